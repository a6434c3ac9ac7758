using System.Text.Json;
using Parley.Web;

namespace Parley.Contacts;

/// <summary><c>POST /api/v1/contacts/import</c>: multipart with <c>file</c>, and optionally <c>mapping</c> (JSON: column → target), <c>mode</c> (dryRun | apply), <c>strict</c>, <c>region</c>.</summary>
public static class ContactImportApi
{
    public static async Task<IResult> ImportAsync(HttpRequest request, ContactImport import, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return Invalid("file", "Send the CSV as multipart/form-data in the field 'file'.");
        }

        var form = await request.ReadFormAsync(ct);
        if (form.Files.GetFile("file") is not { Length: > 0 } file)
        {
            return Invalid("file", "Send the CSV as multipart/form-data in the field 'file'.");
        }

        if (file.Length > ContactImport.MaxBytes)
        {
            return Invalid("file", $"A CSV file has at most {ContactImport.MaxBytes / 1024 / 1024} MB.");
        }

        var mode = form["mode"].ToString() is { Length: > 0 } m ? m : "dryRun";
        if (mode is not ("dryRun" or "apply"))
        {
            return Invalid("mode", "mode is dryRun (the default: check and report, change nothing) or apply.");
        }

        var strictText = form["strict"].ToString();
        if (strictText.Length > 0 && !bool.TryParse(strictText, out _))
        {
            return Invalid("strict", "strict is true (apply nothing while any row has a problem) or false.");
        }

        Dictionary<string, string>? mapping = null;
        if (form["mapping"].ToString() is { Length: > 0 } mappingText)
        {
            try
            {
                mapping = JsonSerializer.Deserialize<Dictionary<string, string>>(mappingText);
            }
            catch (JsonException)
            {
                return Invalid("mapping", "mapping is a JSON object from column name to target, e.g. {\"Telefon\":\"phone\",\"Stadt\":\"attribute:city\"}.");
            }
        }

        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, ct);
        var options = new ImportOptions(mode == "dryRun", strictText.Length > 0 && bool.Parse(strictText), form["region"].ToString() is { Length: > 0 } r ? r : null, mapping);
        return TypedResults.Ok(await import.RunAsync(buffer.ToArray(), options, ct));
    }

    private static IResult Invalid(string field, string message) => ApiProblems.From(Parley.Identity.OperationError.Invalid(field, message));
}
