using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Contacts;
using Parley.Data;
using Parley.Identity;

namespace Parley.Inbox;

/// <summary>A workspace label on a conversation ("billing", "complaint"): the same labels contacts carry.</summary>
public sealed class ConversationLabel
{
    public required Guid ConversationId { get; init; }
    public required Guid LabelId { get; init; }
    public required Guid WorkspaceId { get; init; }
}

/// <summary>
/// Labels on conversations: the inbox shows them on each line and filters by one, the conversation page
/// adds and removes them. A change touches the conversation, so every open inbox sees it live.
/// </summary>
public sealed class ConversationLabels(ParleyDb db, TimeProvider clock)
{
    /// <summary>The workspace's labels, for choosing one.</summary>
    public async Task<IReadOnlyList<LabelView>> AllAsync(CancellationToken cancellationToken) =>
        await db.Labels.AsNoTracking().OrderBy(l => l.Name).Select(l => new LabelView(l.Id, l.Name, l.Colour)).ToListAsync(cancellationToken);

    /// <summary>The labels of some conversations, by conversation, each sorted by name.</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<LabelView>>> OfAsync(IReadOnlyCollection<Guid> conversationIds, CancellationToken cancellationToken)
    {
        if (conversationIds.Count == 0)
        {
            return new Dictionary<Guid, IReadOnlyList<LabelView>>();
        }

        var rows = await db.ConversationLabels.AsNoTracking().Where(l => conversationIds.Contains(l.ConversationId))
            .Join(db.Labels, cl => cl.LabelId, l => l.Id, (cl, l) => new { cl.ConversationId, View = new LabelView(l.Id, l.Name, l.Colour) })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.ConversationId).ToDictionary(
            g => g.Key, IReadOnlyList<LabelView> (g) => [.. g.Select(r => r.View).OrderBy(l => l.Name, StringComparer.Ordinal)]);
    }

    public async Task<Outcome<IReadOnlyList<LabelView>>> ChangeAsync(Guid conversationId, IReadOnlyList<Guid> add, IReadOnlyList<Guid> remove, CancellationToken cancellationToken)
    {
        var conversation = await db.Conversations.FirstOrDefaultAsync(c => c.Id == conversationId, cancellationToken);
        if (conversation is null)
        {
            return OperationError.NotFound;
        }

        var wanted = add.Concat(remove).Distinct().ToList();
        var known = await db.Labels.Where(l => wanted.Contains(l.Id)).Select(l => l.Id).ToListAsync(cancellationToken);
        if (wanted.FirstOrDefault(l => !known.Contains(l)) is var missing && missing != Guid.Empty)
        {
            return OperationError.Invalid(add.Contains(missing) ? "add" : "remove", $"There is no label {missing} in this workspace.");
        }

        var current = await db.ConversationLabels.Where(l => l.ConversationId == conversationId).ToListAsync(cancellationToken);
        var removed = current.Where(l => remove.Contains(l.LabelId)).ToList();
        var added = add.Distinct().Where(l => !remove.Contains(l) && current.All(c => c.LabelId != l)).ToList();
        if (removed.Count > 0 || added.Count > 0)
        {
            db.ConversationLabels.RemoveRange(removed);
            db.ConversationLabels.AddRange(added.Select(labelId => new ConversationLabel { ConversationId = conversationId, LabelId = labelId, WorkspaceId = conversation.WorkspaceId }));
            conversation.UpdatedAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
        }

        var labels = (await OfAsync([conversationId], cancellationToken)).GetValueOrDefault(conversationId) ?? [];
        return new Outcome<IReadOnlyList<LabelView>>(labels, null);
    }
}

internal sealed class ConversationLabelConfiguration : IEntityTypeConfiguration<ConversationLabel>
{
    public void Configure(EntityTypeBuilder<ConversationLabel> builder)
    {
        builder.ToTable("conversation_labels");
        builder.HasKey(l => new { l.ConversationId, l.LabelId });
        builder.HasIndex(l => l.LabelId);
        builder.HasOne<Conversation>().WithMany().HasForeignKey(l => l.ConversationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Label>().WithMany().HasForeignKey(l => l.LabelId).OnDelete(DeleteBehavior.Cascade);
    }
}
