using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Inbox;

namespace Parley.Consent;

/// <summary>
/// What customers and WhatsApp tell us about consent, written to the ledger inside the webhook
/// processor's (or the sender's) unit of work: objection keywords (STOP/START), the confirming reply
/// of the public consent page, WhatsApp's <c>user_preferences</c> stop/resume and send error 131050. A
/// person's own opt-in (START, the confirmed consent page) also lifts their objection from before an erasure.
/// Every check before a query is a string test, so ordinary messages cost nothing.
/// </summary>
public sealed partial class ConsentSignals(ParleyDb db, ConsentLedger ledger, ConsentKeywords keywords, Objections objections, TimeProvider clock)
{
    /// <summary>Whether this unit of work queued an answer, so the outbox should be woken after the commit.</summary>
    public bool QueuedReplies { get; private set; }

    /// <summary>A customer's text: a confirmation code of the consent page, an objection keyword, or (mostly) neither.</summary>
    public async Task OnInboundTextAsync(WhatsAppNumber number, Contact contact, Conversation conversation, string wamid, string body, DateTime sentAt, CancellationToken cancellationToken)
    {
        if (body.Contains(ConsentRequests.CodePrefix, StringComparison.OrdinalIgnoreCase) && CodePattern().Match(body) is { Success: true } code)
        {
            await ConfirmAsync(number, contact, conversation, wamid, code.Value.ToUpperInvariant(), sentAt, cancellationToken);
            return;
        }

        if (!ConsentKeywords.MightBeKeyword(body))
        {
            return;
        }

        var settings = await keywords.GetAsync(cancellationToken);
        if (ConsentKeywords.Match(settings, body, out var keyword) is not { } start)
        {
            return;
        }

        await ledger.AppendAsync(
            [new ConsentChange(contact.Id, Purposes.Marketing, start, "whatsapp", ConsentSources.Keyword, body.Trim(), sentAt, $"WhatsApp message {wamid}")],
            onlyIfChanged: false, cancellationToken);
        if (start)
        {
            await objections.LiftAsync(contact, Purposes.Marketing, cancellationToken);
        }

        QueueReply(number, conversation, ConsentKeywords.Reply(settings, keyword, start));
    }

    /// <summary>WhatsApp's <c>user_preferences</c>: the person stopped or resumed marketing messages in the app.</summary>
    public async Task OnPreferenceAsync(Contact contact, bool resume, string? detail, DateTime at, CancellationToken cancellationToken)
    {
        var wording = detail ?? (resume ? "User requested to resume marketing messages" : "User requested to stop marketing messages");
        if (resume)
        {
            // A resume in WhatsApp undoes WhatsApp's own stop; it does not create consent that was never given here.
            var state = await ledger.StateAsync(contact.Id, Purposes.Marketing, cancellationToken);
            if (state is not { Granted: false } || await SourceOfAsync(state.RecordId, cancellationToken) != ConsentSources.WhatsAppPreference)
            {
                return;
            }
        }

        await ledger.AppendAsync(
            [new ConsentChange(contact.Id, Purposes.Marketing, resume, "whatsapp", ConsentSources.WhatsAppPreference, wording, at, "WhatsApp user_preferences webhook")],
            onlyIfChanged: false, cancellationToken);
    }

    /// <summary>Error 131050: WhatsApp refused a marketing message because the person stopped them. Recorded once, not per failed send.</summary>
    public async Task OnMarketingStoppedAsync(Guid conversationId, Message message, DateTime at, CancellationToken cancellationToken)
    {
        var contactId = await db.Conversations.Where(c => c.Id == conversationId).Select(c => c.ContactId).FirstAsync(cancellationToken);
        await ledger.AppendAsync(
            [new ConsentChange(contactId, Purposes.Marketing, false, "whatsapp", ConsentSources.WhatsAppPreference,
                "WhatsApp: this person has stopped marketing messages from the business (error 131050).", at,
                $"Failed send {message.Id}{(message.ProviderMessageId is { } wamid ? $" ({wamid})" : "")}")],
            onlyIfChanged: true, cancellationToken);
    }

    private async Task<string?> SourceOfAsync(Guid recordId, CancellationToken cancellationToken) =>
        db.ConsentRecords.Local.FirstOrDefault(r => r.Id == recordId)?.Source
        ?? await db.ConsentRecords.Where(r => r.Id == recordId).Select(r => r.Source).FirstOrDefaultAsync(cancellationToken);

    /// <summary>
    /// The double opt-in's second step: the code the page showed, sent from the number the page was given,
    /// before it expired. Only then are the purposes granted, with the wordings the page showed.
    /// </summary>
    private async Task ConfirmAsync(WhatsAppNumber number, Contact contact, Conversation conversation, string wamid, string code, DateTime sentAt, CancellationToken cancellationToken)
    {
        var request = await db.ConsentRequests.FirstOrDefaultAsync(r => r.Code == code, cancellationToken);
        if (request is null || request.ConfirmedAt is not null)
        {
            return;
        }

        var german = request.Language == "de";
        if (request.WaId != contact.WaId || request.ExpiresAt < clock.GetUtcNow().UtcDateTime)
        {
            QueueReply(number, conversation, CustomerReplies.CodeInvalid(german));
            return;
        }

        var purposes = JsonSerializer.Deserialize<List<ConsentRequests.ShownWording>>(request.Purposes)!;
        var evidence = $"Consent page submission {request.Id} at {request.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC{(request.IpAddress is null ? "" : $" from {request.IpAddress}")}; confirmed by WhatsApp message {wamid}";
        await ledger.AppendAsync(
            purposes.Select(p => new ConsentChange(contact.Id, p.Purpose, true, "web", ConsentSources.WebForm, p.Text, sentAt, evidence, p.WordingId, p.Version)),
            onlyIfChanged: false, cancellationToken);
        foreach (var purpose in purposes)
        {
            await objections.LiftAsync(contact, purpose.Purpose, cancellationToken);
        }

        (request.ConfirmedAt, request.ConfirmingMessageId, request.ContactId) = (clock.GetUtcNow().UtcDateTime, wamid, contact.Id);
        QueueReply(number, conversation, CustomerReplies.Confirmed(german));
    }

    /// <summary>An answer through the normal outbox; the customer has just written, so the window is open.</summary>
    private void QueueReply(WhatsAppNumber number, Conversation conversation, string text)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var message = new Message
        {
            WorkspaceId = number.WorkspaceId,
            ConversationId = conversation.Id,
            Direction = MessageDirection.Outbound,
            Type = "text",
            Content = JsonSerializer.Serialize(new { body = text }),
            Status = MessageStatus.Queued,
            Purpose = Purposes.Service,
            CreatedAt = now,
        };
        db.Messages.Add(message);
        db.Outbox.Add(new OutboxEntry { MessageId = message.Id, WorkspaceId = number.WorkspaceId, WhatsAppNumberId = number.Id, NextAttemptAt = now, CreatedAt = now });
        conversation.LastMessageAt = now > conversation.LastMessageAt ? now : conversation.LastMessageAt;
        QueuedReplies = true;
    }

    [GeneratedRegex(@"OPT-[A-HJ-NP-Z2-9]{8}\b", RegexOptions.IgnoreCase)]
    private static partial Regex CodePattern();
}

/// <summary>
/// What Parley answers a customer on WhatsApp, in the language they used (a keyword's) or chose (the
/// consent page's). Not UI text: it goes to the customer, whatever language the staff use.
/// </summary>
public static class CustomerReplies
{
    public static string Keyword(bool german, bool start) => (german, start) switch
    {
        (true, true) => "Sie erhalten wieder Angebote und Neuigkeiten von uns. Mit STOPP können Sie sich jederzeit abmelden.",
        (true, false) => "Sie erhalten keine Werbenachrichten mehr von uns. Antworten Sie mit ANMELDEN, um sie wieder zu erhalten. Antworten auf Ihre Anfragen bekommen Sie weiterhin.",
        (false, true) => "You will receive offers and news from us again. Reply STOP at any time to unsubscribe.",
        (false, false) => "You will no longer receive marketing messages from us. Reply START to subscribe again. We will still answer your requests.",
    };

    public static string Confirmed(bool german) => german
        ? "Danke, Ihre Einwilligung ist bestätigt. Sie können sie jederzeit widerrufen: Antworten Sie dazu mit STOPP."
        : "Thank you, your consent is confirmed. You can withdraw it at any time: just reply STOP.";

    public static string CodeInvalid(bool german) => german
        ? "Dieser Code ist abgelaufen oder gehört zu einer anderen Nummer. Bitte fordern Sie auf unserer Seite einen neuen an."
        : "This code has expired or belongs to another number. Please request a new one on our page.";
}
