using System.Text.Json.Nodes;

namespace Parley.Sandbox;

/// <summary>
/// The BUTTONS component of a template: 1–10 buttons of Meta's types, labels of at most 25
/// characters, at most 2 URL, 1 PHONE_NUMBER and 1 COPY_CODE button, quick replies grouped together.
/// </summary>
public static class SandboxTemplateButtons
{
    private static readonly string[] ButtonTypes = ["QUICK_REPLY", "URL", "PHONE_NUMBER", "COPY_CODE", "OTP", "FLOW", "VOICE_CALL", "MPM", "SPM", "CATALOG", "REQUEST_CONTACT_INFO"];

    public static IResult? Check(JsonObject component)
    {
        if (component["buttons"] is not JsonArray { Count: > 0 and <= 10 } buttons || buttons.Any(b => b is not JsonObject))
        {
            return SandboxGraphErrors.Param("Param components[BUTTONS][buttons] must have between 1 and 10 buttons.");
        }

        var types = new List<string>();
        foreach (var button in buttons.OfType<JsonObject>())
        {
            var type = SandboxGraphApi.Text(button, "type")?.ToUpperInvariant();
            if (type is null || !ButtonTypes.Contains(type))
            {
                return SandboxGraphErrors.Param($"Param buttons[type] must be one of {{{string.Join(", ", ButtonTypes)}}}.");
            }

            button["type"] = type;
            types.Add(type);
            var text = SandboxGraphApi.Text(button, "text");
            if (type is not ("OTP" or "COPY_CODE" or "MPM" or "CATALOG") && text is not { Length: > 0 and <= 25 })
            {
                return SandboxGraphErrors.Param("Param buttons[text] is required and at most 25 characters long.");
            }

            var invalid = type switch
            {
                "URL" when SandboxGraphApi.Text(button, "url") is not { } url || !Uri.TryCreate(SandboxTemplate.Placeholder().Replace(url, "x"), UriKind.Absolute, out _) =>
                    SandboxGraphErrors.Param("A URL button needs an absolute url."),
                "URL" when SandboxTemplate.Variables(SandboxGraphApi.Text(button, "url")!).Count > 0 && button["example"] is not JsonArray { Count: > 0 } =>
                    SandboxGraphErrors.Param("A URL button with a parameter needs an example URL."),
                "PHONE_NUMBER" when SandboxGraphApi.Text(button, "phone_number") is not { Length: > 0 and <= 20 } =>
                    SandboxGraphErrors.Param("A PHONE_NUMBER button needs a phone_number of at most 20 characters."),
                "COPY_CODE" when (button["example"] as JsonValue)?.ToString() is not { Length: > 0 and <= 15 } =>
                    SandboxGraphErrors.Param("A COPY_CODE button needs an example of at most 15 characters."),
                _ => null,
            };
            if (invalid is not null)
            {
                return invalid;
            }
        }

        // Quick replies sit together: before or after all other buttons, never between them.
        var firstQuick = types.IndexOf("QUICK_REPLY");
        var quickCount = types.Count(t => t == "QUICK_REPLY");
        var grouped = firstQuick < 0 || types.Skip(firstQuick).Take(quickCount).All(t => t == "QUICK_REPLY");
        return types.Count(t => t == "URL") > 2 ? SandboxGraphErrors.Param("A template has at most 2 URL buttons.")
            : types.Count(t => t == "PHONE_NUMBER") > 1 ? SandboxGraphErrors.Param("A template has at most 1 PHONE_NUMBER button.")
            : types.Count(t => t == "COPY_CODE") > 1 ? SandboxGraphErrors.Param("A template has at most 1 COPY_CODE button.")
            : !grouped ? SandboxGraphErrors.Param("Quick reply buttons must be grouped together.")
            : null;
    }
}
