using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Parley.Channels.WhatsApp;
using Parley.Data;

namespace Parley.Tests.Infrastructure;

public static class WhatsAppTestExtensions
{
    /// <summary>Connects a WhatsApp number to the workspace through the API; returns its Parley id.</summary>
    public static async Task<Guid> ConnectNumberAsync(this ParleyApp app, TestWorkspace workspace, string phoneNumberId, string wabaId = "100200300")
    {
        var response = await app.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/channels/whatsapp", new
        {
            phoneNumberId,
            wabaId,
            displayPhoneNumber = "+49 30 1234567",
            accessToken = "EAAG-test-token-" + phoneNumberId,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Connects the first sandbox number no other workspace has taken; returns its phone number id.</summary>
    public static async Task<(Guid Id, string PhoneNumberId)> ConnectSandboxNumberAsync(this ParleyApp app, TestWorkspace workspace)
    {
        foreach (var number in (await app.Api(null).GetFromJsonAsync<JsonElement>("/sandbox/api/numbers")).EnumerateArray())
        {
            var response = await app.Api(workspace.AdminKey).PostAsJsonAsync("/api/v1/channels/whatsapp", new
            {
                phoneNumberId = number.GetProperty("phoneNumberId").GetString(),
                wabaId = number.GetProperty("wabaId").GetString(),
                displayPhoneNumber = number.GetProperty("displayPhoneNumber").GetString(),
                accessToken = number.GetProperty("accessToken").GetString(),
            });
            if (response.StatusCode == System.Net.HttpStatusCode.Created)
            {
                return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), number.GetProperty("phoneNumberId").GetString()!);
            }
        }

        throw new InvalidOperationException("Every sandbox number is taken; raise Sandbox:Numbers for the tests.");
    }

    /// <summary>POSTs a webhook body exactly as given, signed like Meta signs it.</summary>
    public static Task<HttpResponseMessage> PostWebhookAsync(this ParleyApp app, byte[] body, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/whatsapp") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Hub-Signature-256", signature ?? WebhookSignature.Sign(body, ParleyApp.AppSecret));
        return app.Api(null).SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostWebhookAsync(this ParleyApp app, string json) => app.PostWebhookAsync(Encoding.UTF8.GetBytes(json));

    /// <summary>Waits until the processor has handled every stored delivery (processed or dead).</summary>
    public static async Task WaitForWebhooksAsync(this ParleyApp app)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<ParleyDb>();
                var file = scope.ServiceProvider.GetRequiredService<IntakeFile>();
                if (!await db.WebhookDeliveries.AnyAsync(d => d.ProcessedAt == null && d.DeadAt == null)
                    && (!file.IsUsed || await file.CountAfterAsync(await db.Database.SqlQueryRaw<long>(IntakeFile.MovedUpToSql).SingleAsync(), default) == 0))
                {
                    return;
                }
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException("Webhook deliveries were not processed within 15 seconds.");
            }

            await Task.Delay(20);
        }
    }

    public static async Task<T> WithDbAsync<T>(this ParleyApp app, Func<ParleyDb, Task<T>> query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ParleyDb>());
    }

    /// <summary>A minimal inbound text webhook from one customer to one business number.</summary>
    public static string InboundText(string phoneNumberId, string from, string wamid, string body, DateTimeOffset at, string name = "Erika Mustermann") =>
        $$$"""
        {"object":"whatsapp_business_account","entry":[{"id":"100200300","changes":[{"field":"messages","value":{
          "messaging_product":"whatsapp","metadata":{"display_phone_number":"49301234567","phone_number_id":"{{{phoneNumberId}}}"},
          "contacts":[{"profile":{"name":"{{{name}}}"},"wa_id":"{{{from}}}"}],
          "messages":[{"from":"{{{from}}}","id":"{{{wamid}}}","timestamp":"{{{at.ToUnixTimeSeconds()}}}","type":"text","text":{"body":{{{JsonSerializer.Serialize(body)}}}}}]}}]}]}
        """;
}
