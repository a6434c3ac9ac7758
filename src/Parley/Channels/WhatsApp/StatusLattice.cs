using System.Text.Json;
using Parley.Inbox;

namespace Parley.Channels.WhatsApp;

/// <summary>
/// sent &lt; delivered &lt; read, failed terminal: a status never moves a message backwards, so
/// duplicates and out-of-order webhooks end in the same state. Each step's time is still recorded
/// when it arrives late (a delivered after a read fills in <c>delivered_at</c>).
/// </summary>
public static class StatusLattice
{
    public static void Apply(Message message, JsonElement status)
    {
        var next = WebhookPayload.Text(status, "status") switch
        {
            "sent" => MessageStatus.Sent,
            "delivered" => MessageStatus.Delivered,
            "read" or "played" => MessageStatus.Read,
            "failed" => MessageStatus.Failed,
            _ => (MessageStatus?)null,
        };
        if (next is null)
        {
            return;
        }

        var at = WebhookPayload.Timestamp(status, "timestamp") ?? DateTime.UnixEpoch;
        switch (next)
        {
            case MessageStatus.Sent:
                message.SentAt ??= at;
                break;
            case MessageStatus.Delivered:
                message.DeliveredAt ??= at;
                break;
            case MessageStatus.Read:
                message.ReadAt ??= at;
                break;
            case MessageStatus.Failed:
                message.FailedAt ??= at;
                if (status.TryGetProperty("errors", out var errors) && errors.GetArrayLength() > 0)
                {
                    WebhookRecorder.SetError(message, errors[0]);
                }

                break;
        }

        if (status.TryGetProperty("pricing", out var pricing))
        {
            message.PricingCategory = WebhookPayload.Text(pricing, "category") ?? message.PricingCategory;
            message.PricingType = WebhookPayload.Text(pricing, "type") ?? message.PricingType;
        }

        if (message.Status != MessageStatus.Failed && next > message.Status)
        {
            message.Status = next.Value;
        }
    }
}
