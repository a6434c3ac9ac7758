using System.Text.Json;
using Parley.Channels.WhatsApp;
using Parley.Inbox;

namespace Parley.Tests.Channels;

public sealed class StatusLatticeTests
{
    [Theory]
    [InlineData(new[] { "sent", "delivered", "read" }, MessageStatus.Read)]
    [InlineData(new[] { "read", "delivered", "sent" }, MessageStatus.Read)]
    [InlineData(new[] { "delivered", "delivered", "sent", "delivered" }, MessageStatus.Delivered)]
    [InlineData(new[] { "sent", "failed", "delivered", "read" }, MessageStatus.Failed)]
    [InlineData(new[] { "sent", "played" }, MessageStatus.Read)]
    [InlineData(new[] { "sent", "deleted" }, MessageStatus.Sent)]
    public void Statuses_InAnyOrder_EndInTheHighestState(string[] sequence, MessageStatus expected)
    {
        var message = Outbound();

        foreach (var (status, i) in sequence.Select((s, i) => (s, i)))
        {
            StatusLattice.Apply(message, Status(status, 1_790_000_000 + i));
        }

        Assert.Equal(expected, message.Status);
    }

    [Fact]
    public void LateStatuses_StillFillInTheirTimes()
    {
        var message = Outbound();

        StatusLattice.Apply(message, Status("read", 1_790_000_030));
        StatusLattice.Apply(message, Status("delivered", 1_790_000_020));
        StatusLattice.Apply(message, Status("sent", 1_790_000_010));

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_790_000_010).UtcDateTime, message.SentAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_790_000_020).UtcDateTime, message.DeliveredAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_790_000_030).UtcDateTime, message.ReadAt);
    }

    [Fact]
    public void Failed_RecordsWhatsAppsErrorAndPricing()
    {
        var message = Outbound();
        using var failed = JsonDocument.Parse("""
            {"id":"wamid.x","status":"failed","timestamp":"1790000000","recipient_id":"491701234567",
             "errors":[{"code":131049,"title":"This message was not delivered to maintain healthy ecosystem engagement.","error_data":{"details":"In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}}],
             "pricing":{"billable":false,"pricing_model":"PMP","category":"marketing","type":"regular"}}
            """);

        StatusLattice.Apply(message, failed.RootElement);

        Assert.Equal((MessageStatus.Failed, 131049, "marketing", "regular"), (message.Status, message.ErrorCode, message.PricingCategory, message.PricingType));
        Assert.StartsWith("In order to maintain", message.ErrorDetails, StringComparison.Ordinal);
    }

    private static Message Outbound() => new()
    {
        WorkspaceId = Guid.NewGuid(),
        ConversationId = Guid.NewGuid(),
        Direction = MessageDirection.Outbound,
        ProviderMessageId = "wamid.x",
        Type = "text",
        Content = "{}",
        Status = MessageStatus.Queued,
        CreatedAt = DateTime.UnixEpoch,
    };

    private static JsonElement Status(string status, long timestamp) =>
        JsonDocument.Parse($$"""{"id":"wamid.x","status":"{{status}}","timestamp":"{{timestamp}}","recipient_id":"491701234567"}""").RootElement;
}
