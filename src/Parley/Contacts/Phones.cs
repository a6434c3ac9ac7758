using PhoneNumbers;

namespace Parley.Contacts;

/// <summary>Phone numbers in E.164 (libphonenumber); a WhatsApp id is the same number's digits.</summary>
public static class Phones
{
    /// <summary>Numbers written without a country code are read as German ones unless the caller names a region.</summary>
    public const string DefaultRegion = "DE";

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>The number in E.164 (<c>+491701234567</c>), or null when it is not a valid phone number.</summary>
    public static string? Normalise(string? input, string? region = null)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 40)
        {
            return null;
        }

        try
        {
            var parsed = Util.Parse(input, region ?? DefaultRegion);
            return Util.IsValidNumber(parsed) ? Util.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    public static bool IsKnownRegion(string region) => Util.GetSupportedRegions().Contains(region.ToUpperInvariant());

    public static string WaIdOf(string e164) => e164.TrimStart('+');

    /// <summary>A WhatsApp id as E.164, when it is a valid number.</summary>
    public static string? FromWaId(string? waId) => waId is null || !waId.All(char.IsAsciiDigit) ? null : Normalise("+" + waId);

    /// <summary>All but the last two digits hidden, for a page that shows a number before anyone reveals it.</summary>
    public static string Mask(string e164) => e164.Length <= 5 ? "••••" : string.Concat(e164.AsSpan(0, 3), new string('•', e164.Length - 5), e164.AsSpan(e164.Length - 2));
}
