using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Parley.Channels.WhatsApp;
using Parley.Consent;
using Parley.Contacts;
using Parley.Identity;
using Parley.Inbox;
using Parley.Inbox.Live;
using Parley.Teams;

namespace Parley.Data;

/// <summary>
/// The one database context. Every workspace-owned entity carries a query filter on
/// <see cref="CurrentWorkspaceId"/>, so a query made on behalf of one workspace can never see another's
/// rows; code that must work across workspaces (sign-in, the command line, demo seeding) says so with
/// <c>IgnoreQueryFilters()</c>. With no workspace set the filters match nothing (fail closed).
/// A SaveChanges outside an explicit transaction queues at the <see cref="WriteGate"/> (SQLite's one
/// writer); code that opens a transaction enters the gate itself, before it begins.
/// </summary>
public sealed class ParleyDb(DbContextOptions<ParleyDb> options, WorkspaceContext workspace, WriteGate gate) : DbContext(options)
{
    public Guid? CurrentWorkspaceId => workspace.WorkspaceId;

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        if (Database.CurrentTransaction is not null)
        {
            return base.SaveChanges(acceptAllChangesOnSuccess);
        }

        using var detected = DetectBeforeTheGate();
        if (!ChangeTracker.HasChanges())
        {
            return 0;
        }

        using var lease = gate.Enter();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        if (Database.CurrentTransaction is not null)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        using var detected = DetectBeforeTheGate();
        if (!ChangeTracker.HasChanges())
        {
            return 0;
        }

        using var lease = await gate.EnterAsync(cancellationToken);
        return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Detects the changes before the write gate (CPU work the other writers need not wait for), so that
    /// SaveChanges does not detect them again inside it, and nothing to write takes no turn at the gate.
    /// Detection is switched back on when the result is disposed (unless the caller had it off).
    /// </summary>
    private Detected DetectBeforeTheGate()
    {
        if (!ChangeTracker.AutoDetectChangesEnabled)
        {
            return default;
        }

        ChangeTracker.DetectChanges();
        ChangeTracker.AutoDetectChangesEnabled = false;
        return new Detected(ChangeTracker);
    }

    private readonly struct Detected(Microsoft.EntityFrameworkCore.ChangeTracking.ChangeTracker? tracker) : IDisposable
    {
        public void Dispose()
        {
            if (tracker is not null)
            {
                tracker.AutoDetectChangesEnabled = true;
            }
        }
    }

    public DbSet<Workspace> Workspaces => Set<Workspace>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Membership> Memberships => Set<Membership>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<WhatsAppNumber> WhatsAppNumbers => Set<WhatsAppNumber>();
    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();
    public DbSet<WhatsAppEvent> WhatsAppEvents => Set<WhatsAppEvent>();
    public DbSet<PendingStatus> PendingStatuses => Set<PendingStatus>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<Conversation> Conversations => Set<Conversation>();
    public DbSet<Message> Messages => Set<Message>();
    public DbSet<OutboxEntry> Outbox => Set<OutboxEntry>();
    public DbSet<MediaFile> MediaFiles => Set<MediaFile>();
    public DbSet<MediaUpload> MediaUploads => Set<MediaUpload>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();
    public DbSet<Agent> Agents => Set<Agent>();
    public DbSet<ConsentRecord> ConsentRecords => Set<ConsentRecord>();
    public DbSet<ConsentState> ConsentStates => Set<ConsentState>();
    public DbSet<ConsentObjection> ConsentObjections => Set<ConsentObjection>();
    public DbSet<ConsentObjectionKey> ConsentObjectionKeys => Set<ConsentObjectionKey>();
    public DbSet<ConsentPurpose> ConsentPurposes => Set<ConsentPurpose>();
    public DbSet<ConsentWording> ConsentWordings => Set<ConsentWording>();
    public DbSet<ConsentSettings> ConsentSettings => Set<ConsentSettings>();
    public DbSet<ConsentRequest> ConsentRequests => Set<ConsentRequest>();
    public DbSet<AttributeDefinition> AttributeDefinitions => Set<AttributeDefinition>();
    public DbSet<ContactAttributeValue> ContactAttributeValues => Set<ContactAttributeValue>();
    public DbSet<Label> Labels => Set<Label>();
    public DbSet<ContactLabel> ContactLabels => Set<ContactLabel>();
    public DbSet<ConversationLabel> ConversationLabels => Set<ConversationLabel>();
    public DbSet<Privacy.RetentionRules> RetentionRules => Set<Privacy.RetentionRules>();
    public DbSet<Templates.WhatsAppTemplate> WhatsAppTemplates => Set<Templates.WhatsAppTemplate>();
    public DbSet<Campaigns.Campaign> Campaigns => Set<Campaigns.Campaign>();
    public DbSet<Campaigns.CampaignRecipient> CampaignRecipients => Set<Campaigns.CampaignRecipient>();
    public DbSet<ContactList> ContactLists => Set<ContactList>();
    public DbSet<ContactListMember> ContactListMembers => Set<ContactListMember>();
    public DbSet<Segment> Segments => Set<Segment>();
    public DbSet<InboxSettings> InboxSettings => Set<InboxSettings>();
    public DbSet<InboxChange> InboxChanges => Set<InboxChange>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<CannedReply> CannedReplies => Set<CannedReply>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ParleyDb).Assembly);

        modelBuilder.Entity<Workspace>().HasQueryFilter(w => w.Id == CurrentWorkspaceId);
        modelBuilder.Entity<Membership>().HasQueryFilter(m => m.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ApiKey>().HasQueryFilter(k => k.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<AuditEntry>().HasQueryFilter(a => a.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<WhatsAppNumber>().HasQueryFilter(n => n.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<WhatsAppEvent>().HasQueryFilter(e => e.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Contact>().HasQueryFilter(c => c.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Campaigns.Campaign>().HasQueryFilter(c => c.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Campaigns.CampaignRecipient>().HasQueryFilter(r => r.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Conversation>().HasQueryFilter(c => c.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Message>().HasQueryFilter(m => m.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<OutboxEntry>().HasQueryFilter(o => o.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<MediaFile>().HasQueryFilter(m => m.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<MediaUpload>().HasQueryFilter(u => u.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Team>().HasQueryFilter(t => t.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<TeamMember>().HasQueryFilter(m => m.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Agent>().HasQueryFilter(a => a.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentRecord>().HasQueryFilter(r => r.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentState>().HasQueryFilter(s => s.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentObjection>().HasQueryFilter(o => o.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentObjectionKey>().HasQueryFilter(k => k.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentPurpose>().HasQueryFilter(p => p.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentWording>().HasQueryFilter(w => w.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentSettings>().HasQueryFilter(s => s.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConsentRequest>().HasQueryFilter(r => r.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<AttributeDefinition>().HasQueryFilter(a => a.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ContactAttributeValue>().HasQueryFilter(v => v.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Label>().HasQueryFilter(l => l.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ContactLabel>().HasQueryFilter(l => l.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ConversationLabel>().HasQueryFilter(l => l.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Privacy.RetentionRules>().HasQueryFilter(r => r.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Templates.WhatsAppTemplate>().HasQueryFilter(t => t.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ContactList>().HasQueryFilter(l => l.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<ContactListMember>().HasQueryFilter(m => m.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Segment>().HasQueryFilter(s => s.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<InboxSettings>().HasQueryFilter(s => s.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<InboxChange>().HasQueryFilter(c => c.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<Notification>().HasQueryFilter(n => n.WorkspaceId == CurrentWorkspaceId);
        modelBuilder.Entity<CannedReply>().HasQueryFilter(c => c.WorkspaceId == CurrentWorkspaceId);

        SnakeCaseNames.Apply(modelBuilder);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Time is UTC everywhere. SQLite hands DateTime back as Unspecified; mark it UTC on the way in.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<Role>().HaveConversion<RoleConverter>().HaveMaxLength(16);
    }

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        v => v.AsUtc(),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    private sealed class RoleConverter() : ValueConverter<Role, string>(
        v => Roles.Name(v),
        v => Roles.Parse(v));
}
