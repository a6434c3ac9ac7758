using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Parley.Identity;

namespace Parley.Contacts.Pages;

/// <summary>
/// Upload a CSV, map its columns (guessed from the header, changeable), see the dry run, then apply.
/// The file travels between the steps as a hidden field, so nothing is stored before it is applied.
/// </summary>
[Authorize(Policy = nameof(Permission.ManageContacts))]
public sealed class ImportPageModel(ContactImport import, ContactSets sets) : PageModel
{
    public const int MaxPageBytes = 8 * 1024 * 1024;

    public IReadOnlyList<string> Columns { get; private set; } = [];
    public IReadOnlyList<string> Targets { get; private set; } = [];
    public ImportReport? Report { get; private set; }
    public string? Upload { get; private set; }
    public string? Error { get; private set; }
    public bool Strict { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(IFormFile? upload, string? file, string? mode, bool strict, CancellationToken cancellationToken)
    {
        byte[] bytes;
        if (upload is { Length: > 0 })
        {
            if (upload.Length > MaxPageBytes)
            {
                Error = "Files over 8 MB go through the API (POST /api/v1/contacts/import).";
                return Page();
            }

            using var buffer = new MemoryStream();
            await upload.CopyToAsync(buffer, cancellationToken);
            bytes = buffer.ToArray();
        }
        else if (file is not null && TryBase64(file, out var decoded))
        {
            bytes = decoded;
        }
        else
        {
            Error = "Choose a CSV file.";
            return Page();
        }

        Upload = Convert.ToBase64String(bytes);
        Strict = strict;
        Dictionary<string, string>? mapping = null;
        if (upload is null)
        {
            mapping = Request.Form.Keys.Where(k => k.StartsWith("map.", StringComparison.Ordinal))
                .ToDictionary(k => k[4..], k => Request.Form[k].ToString(), StringComparer.Ordinal);
        }

        Report = await import.RunAsync(bytes, new ImportOptions(mode != "apply", strict, null, mapping), cancellationToken);
        Columns = [.. Report.Mapping.Keys.Concat(Report.Problems.Where(p => p.Row == 1 && p.Column is not null && !Report.Mapping.ContainsKey(p.Column)).Select(p => p.Column!)).Distinct()];
        Targets = [.. ContactImport.Fields, .. (await sets.AttributesAsync(cancellationToken)).Select(a => "attribute:" + a.Key)];
        return Page();
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
