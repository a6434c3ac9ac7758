namespace Parley.Consent;

/// <summary>Why a message may not go out; <see cref="Code"/> is stored on the message as its refusal.</summary>
public sealed record ConsentRefusal(string Code, string Message);

/// <summary>
/// The rule the send pipeline applies, when a message is queued and again just before it is sent:
/// a service message may always answer inside an open 24-hour window, and outside it unless the
/// contact withdrew consent to service messages; every other purpose (marketing above all) needs a
/// current grant for exactly that purpose.
/// </summary>
public static class ConsentPolicy
{
    public const string NoConsent = "no_consent";
    public const string Withdrawn = "consent_withdrawn";

    /// <summary><paramref name="granted"/> is the contact's current state for the purpose: true granted, false withdrawn, null never stated.</summary>
    public static ConsentRefusal? Check(string purpose, bool? granted, bool windowOpen)
    {
        if (!Purposes.NeedsGrant(purpose))
        {
            return windowOpen || granted != false
                ? null
                : new ConsentRefusal(Withdrawn, "The contact withdrew consent to service messages; outside an open conversation nothing may be sent to them.");
        }

        return granted switch
        {
            true => null,
            false => new ConsentRefusal(Withdrawn, $"The contact withdrew consent for '{purpose}'; no message of this purpose may be sent to them."),
            null => new ConsentRefusal(NoConsent, $"The contact has not given consent for '{purpose}'; record their consent first, or send with purpose 'service' if this is a service message."),
        };
    }
}
