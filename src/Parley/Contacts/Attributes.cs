using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

public enum AttributeType
{
    Text,
    Number,
    Date,
    Boolean,
    Choice,
}

/// <summary>A custom field of the workspace's contacts: a key used in the API and CSV headers, a type and (for choices) the options.</summary>
public sealed class AttributeDefinition
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required Guid WorkspaceId { get; init; }
    public required string Key { get; init; }
    public required string Name { get; set; }
    public required AttributeType Type { get; init; }

    /// <summary>The allowed values of a choice, in order; empty for the other types.</summary>
    public List<string> Options { get; set; } = [];
    public required DateTime CreatedAt { get; init; }
}

/// <summary>
/// One contact's value of one attribute, in the column of its type — so a segment condition is an
/// index range scan on (attribute, value) and never a cast or a JSON lookup. Choices are stored as text.
/// </summary>
public sealed class ContactAttributeValue
{
    public required Guid ContactId { get; init; }
    public required Guid AttributeId { get; init; }
    public required Guid WorkspaceId { get; init; }
    public string? TextValue { get; set; }
    public double? NumberValue { get; set; }
    public DateOnly? DateValue { get; set; }
    public bool? BoolValue { get; set; }
}

internal sealed class AttributeDefinitionConfiguration : IEntityTypeConfiguration<AttributeDefinition>
{
    public void Configure(EntityTypeBuilder<AttributeDefinition> builder)
    {
        builder.ToTable("attribute_definitions");
        builder.Property(a => a.Key).HasMaxLength(64);
        builder.Property(a => a.Name).HasMaxLength(200);
        builder.Property(a => a.Type).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.Options).HasConversion(
            v => System.Text.Json.JsonSerializer.Serialize(v, (System.Text.Json.JsonSerializerOptions?)null),
            v => System.Text.Json.JsonSerializer.Deserialize<List<string>>(v, (System.Text.Json.JsonSerializerOptions?)null) ?? new List<string>(),
            new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<string>>(
                (a, b) => a!.SequenceEqual(b!), v => v.Aggregate(0, (h, s) => HashCode.Combine(h, s.GetHashCode(StringComparison.Ordinal))), v => v.ToList()))
            .HasMaxLength(4000);
        builder.HasIndex(a => new { a.WorkspaceId, a.Key }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(a => a.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ContactAttributeValueConfiguration : IEntityTypeConfiguration<ContactAttributeValue>
{
    public void Configure(EntityTypeBuilder<ContactAttributeValue> builder)
    {
        builder.ToTable("contact_attribute_values");
        builder.HasKey(v => new { v.ContactId, v.AttributeId });
        builder.Property(v => v.TextValue).HasMaxLength(1000);
        // A segment reads the contacts with a matching value from these alone (the workspace and contact are in them).
        builder.HasIndex(v => new { v.AttributeId, v.TextValue, v.WorkspaceId, v.ContactId }).HasDatabaseName("ix_contact_attribute_values_text");
        builder.HasIndex(v => new { v.AttributeId, v.NumberValue, v.WorkspaceId, v.ContactId }).HasDatabaseName("ix_contact_attribute_values_number");
        builder.HasIndex(v => new { v.AttributeId, v.DateValue, v.WorkspaceId, v.ContactId }).HasDatabaseName("ix_contact_attribute_values_date");
        builder.HasIndex(v => new { v.AttributeId, v.BoolValue, v.WorkspaceId, v.ContactId }).HasDatabaseName("ix_contact_attribute_values_bool");
        builder.HasOne<Contact>().WithMany().HasForeignKey(v => v.ContactId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AttributeDefinition>().WithMany().HasForeignKey(v => v.AttributeId).OnDelete(DeleteBehavior.Cascade);
    }
}
