using Parley.Identity;
using Parley.Web;

namespace Parley.Channels.WhatsApp;

/// <summary><c>GET/PUT /api/v1/channels/whatsapp/{id}/profile</c>: the number's business profile, through the Cloud API.</summary>
public static class BusinessProfileApi
{
    public static RouteGroupBuilder MapBusinessProfileApi(this RouteGroupBuilder numbers)
    {
        numbers.MapGet("/{id:guid}/profile", GetAsync);
        numbers.MapPut("/{id:guid}/profile", UpdateAsync);
        return numbers;
    }

    private static async Task<IResult> GetAsync(Guid id, BusinessProfiles profiles, CancellationToken ct) =>
        Result(await profiles.GetAsync(id, ct));

    private static async Task<IResult> UpdateAsync(Guid id, UpdateBusinessProfile request, BusinessProfiles profiles, CancellationToken ct) =>
        Result(await profiles.UpdateAsync(id, request, ct));

    /// <summary>WhatsApp's refusals and silences are 502 (the fault is upstream), with Meta's own words beside ours.</summary>
    private static IResult Result(ProfileOutcome outcome) => outcome switch
    {
        { Error: { Kind: ErrorKind.Refused } error } => TypedResults.Problem(
            outcome.WhatsAppSaid is null ? error.Message : $"{error.Message} WhatsApp said: {outcome.WhatsAppSaid}",
            statusCode: StatusCodes.Status502BadGateway,
            title: "WhatsApp did not take the request."),
        { Error: { } error } => ApiProblems.From(error),
        _ => TypedResults.Ok(outcome.Profile),
    };
}
