namespace Parley.Data;

/// <summary>Parley keeps and takes time in UTC: a time given without a zone (a form's date, a JSON time without offset) is UTC, never the server's local time.</summary>
public static class UtcTime
{
    public static DateTime AsUtc(this DateTime value) =>
        value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime();
}
