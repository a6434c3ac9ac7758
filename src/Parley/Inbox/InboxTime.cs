using System.Globalization;
using Parley.Web;

namespace Parley.Inbox;

/// <summary>Times as the inbox shows them: the clock time today, the date before; the 24-hour window as time left.</summary>
public static class InboxTime
{
    public static string At(DateTime utc, DateTime now) =>
        utc.Date == now.Date ? utc.ToString("t", CultureInfo.CurrentCulture) + " UTC" : utc.ToString("g", CultureInfo.CurrentCulture) + " UTC";

    public static string Window(Texts t, DateTime? closesAt, DateTime now)
    {
        if (closesAt is not { } at || at <= now)
        {
            return t["Window closed: templates only"];
        }

        var left = at - now;
        return left.TotalHours >= 1
            ? t.Format("Window closes in {0} h {1} min", (int)left.TotalHours, left.Minutes)
            : t.Format("Window closes in {0} min", Math.Max(1, (int)Math.Ceiling(left.TotalMinutes)));
    }
}
