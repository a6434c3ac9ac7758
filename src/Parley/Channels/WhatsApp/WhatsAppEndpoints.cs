using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Parley.Identity;
using Parley.Web;

namespace Parley.Channels.WhatsApp;

/// <summary>The webhook Meta calls, and <c>/api/v1/channels/whatsapp</c> for connecting numbers.</summary>
public static partial class WhatsAppEndpoints
{
    /// <summary>Meta sends at most 3 MB; a little more is accepted, anything beyond is refused with 413.</summary>
    private const long MaxBody = 4 * 1024 * 1024;

    private const string WebhookPath = "/webhooks/whatsapp";

    public static WebApplication MapWhatsAppEndpoints(this WebApplication app)
    {
        // Meta is the only caller; the webhook is not part of the documented API.
        var webhook = app.MapGroup(WebhookPath).AllowAnonymous().ExcludeFromDescription();
        webhook.MapGet("/", Verify);
        return app;
    }

    /// <summary>
    /// Meta's deliveries (POST) are answered at the head of the pipeline: a request that only needs its
    /// signature checked and its body stored goes through no forwarded headers, status code pages, security
    /// headers, static files, routing, authentication, localisation or workspace lookup, and opens no
    /// scope of services: what it needs is resolved once, here.
    /// </summary>
    public static WebApplication UseWhatsAppWebhookIntake(this WebApplication app)
    {
        var intake = app.Services.GetRequiredService<WebhookIntake>();
        var options = app.Services.GetRequiredService<IOptions<WhatsAppOptions>>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WhatsAppEndpoints));
        app.MapWhen(IsDelivery, branch => branch.Run(async context =>
        {
            if (await ReceiveAsync(context, intake, options.Value.AppSecret, logger) is { } problem)
            {
                await problem.ExecuteAsync(context);
            }
        }));
        return app;
    }

    private static bool IsDelivery(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Request.Path.Value is { } path
        && path.TrimEnd('/').Equals(WebhookPath, StringComparison.OrdinalIgnoreCase);

    public static RouteGroupBuilder MapWhatsAppApi(this RouteGroupBuilder api)
    {
        var numbers = api.MapGroup("/channels/whatsapp").RequirePermission(Permission.ManageChannels).WithTags("WhatsApp numbers");
        numbers.MapGet("/", (WhatsAppNumbers service, CancellationToken ct) => service.ListAsync(ct));
        numbers.MapPost("/", ConnectAsync);
        numbers.MapPatch("/{id:guid}", UpdateAsync);
        numbers.MapDelete("/{id:guid}", RemoveAsync);
        numbers.MapBusinessProfileApi();
        return api;
    }

    private static Results<ContentHttpResult, ProblemHttpResult> Verify(HttpRequest request, IOptions<WhatsAppOptions> options)
    {
        var query = request.Query;
        var expected = options.Value.VerifyToken;
        var given = (string?)query["hub.verify_token"];
        var matches = !string.IsNullOrEmpty(expected) && given is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));
        return query["hub.mode"] == "subscribe" && matches && !string.IsNullOrEmpty(query["hub.challenge"])
            ? TypedResults.Text((string)query["hub.challenge"]!, "text/plain")
            : TypedResults.Problem("hub.verify_token does not match WhatsApp:VerifyToken.", statusCode: StatusCodes.Status403Forbidden);
    }

    /// <summary>Stores a signed delivery; returns the problem to answer, or null when it is stored (200).</summary>
    private static async Task<IResult?> ReceiveAsync(HttpContext context, WebhookIntake intake, string? secret, ILogger logger)
    {
        var ct = context.RequestAborted;
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxBody;
        }

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, ct);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TypedResults.Problem("The webhook body is larger than 4 MB.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        if (string.IsNullOrEmpty(secret) || !WebhookSignature.IsValid(body, context.Request.Headers["X-Hub-Signature-256"], secret))
        {
            return TypedResults.Problem("X-Hub-Signature-256 is missing or does not match the body.", statusCode: StatusCodes.Status401Unauthorized);
        }

        try
        {
            await intake.StoreAsync(body, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotStored(logger, e);
            return TypedResults.Problem("The delivery could not be stored; please retry.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        return null;
    }

    private static async Task<IResult> ConnectAsync(ConnectWhatsAppNumber request, WhatsAppNumbers service, CancellationToken ct)
    {
        var connected = await service.ConnectAsync(request, ct);
        return connected.Error is { } error
            ? ApiProblems.From(error)
            : TypedResults.Created($"/api/v1/channels/whatsapp/{connected.Value!.Id}", connected.Value);
    }

    private static async Task<IResult> UpdateAsync(Guid id, UpdateWhatsAppNumber request, WhatsAppNumbers service, CancellationToken ct)
    {
        var updated = await service.UpdateAsync(id, request, ct);
        return updated.Error is { } error ? ApiProblems.From(error) : TypedResults.Ok(updated.Value);
    }

    private static async Task<IResult> RemoveAsync(Guid id, WhatsAppNumbers service, CancellationToken ct) =>
        await service.RemoveAsync(id, ct) is { } error ? ApiProblems.From(error) : TypedResults.NoContent();

    [LoggerMessage(Level = LogLevel.Error, Message = "A webhook delivery could not be stored and was answered 503")]
    private static partial void LogNotStored(ILogger logger, Exception exception);
}
