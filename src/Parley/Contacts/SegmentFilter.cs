using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Parley.Consent;
using Parley.Data;
using Parley.Identity;
using Parley.Inbox;

namespace Parley.Contacts;

/// <summary>
/// A segment's filter: a tree of conditions, given and stored as JSON —
/// <c>{"type":"all"|"any","conditions":[…]}</c>, <c>{"type":"not","condition":{…}}</c>,
/// <c>{"type":"attribute","key":"city","op":"eq","value":"Berlin"}</c> (ops: eq, ne, lt, lte, gt, gte, contains, in, exists, missing),
/// <c>{"type":"label","labelId":"…","op":"has"|"lacks"}</c>, <c>{"type":"list","listId":"…","op":"member"|"notMember"}</c>,
/// <c>{"type":"lastInbound"|"created","op":"withinDays"|"olderThanDays"|"after"|"before"|"never","days":30,"at":"2026-01-01T00:00:00Z"}</c>,
/// <c>{"type":"consent","purpose":"marketing","op":"granted"|"withdrawn"|"unknown"}</c> (the current state from the ledger).
/// A new kind of condition is one more case in <c>SegmentFilterParser.ParseCondition</c> and one
/// more record that turns itself into a predicate. Parsing checks everything against the workspace
/// (attributes exist and values fit their type, labels and lists exist) and names the faulty field.
/// </summary>
public abstract record SegmentCondition
{
    /// <summary>
    /// The condition as a predicate over contacts, for EF to translate into one query. Conditions on other
    /// tables are uncorrelated <c>contact_id IN (SELECT …)</c>: both databases evaluate such a subquery once
    /// (a hashed subplan, an ephemeral index) however the conditions are combined with or and not. With
    /// <paramref name="correlated"/> they are <c>EXISTS (… WHERE contact_id = c.id)</c> instead: SQLite,
    /// which materialises every IN list it cannot drive from, checks those per candidate on the primary
    /// key (see <see cref="AllCondition"/>).
    /// </summary>
    public abstract Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false);

    /// <summary>
    /// The contacts this condition names, read from an index that holds their ids (attribute values, labels,
    /// lists, consent states); null when no index names them (activity, "contains", not, all). The uncorrelated
    /// form of the predicate is <c>contact id IN</c> this set.
    /// </summary>
    public virtual IQueryable<Guid>? Members(ParleyDb db) => null;

    /// <summary>
    /// Whether a negated condition takes the correlated form: PostgreSQL turns <c>NOT EXISTS</c> into an
    /// anti-join, while <c>NOT IN</c> stays a filter over every contact because it must allow for nulls.
    /// </summary>
    protected static bool CorrelateNegation(ParleyDb db, bool correlated) => correlated || !db.Database.IsSqlite();

    /// <summary>
    /// After <see cref="SegmentPlanner"/>: how many contacts at most this condition matches, counted up to a
    /// cap from its <see cref="Members"/> (for an "all", its smallest member's); null when not counted.
    /// </summary>
    public int? Estimate { get; init; }

    /// <summary>Plans the conditions inside this one (see <see cref="AllCondition"/>).</summary>
    internal virtual Task<SegmentCondition> PlanAsync(SegmentPlanner planner, CancellationToken cancellationToken) =>
        Task.FromResult(this);

    protected static async Task<List<SegmentCondition>> PlanEachAsync(IReadOnlyList<SegmentCondition> conditions, SegmentPlanner planner, CancellationToken cancellationToken)
    {
        var planned = new List<SegmentCondition>();
        foreach (var condition in conditions)
        {
            planned.Add(await condition.PlanAsync(planner, cancellationToken));
        }

        return planned;
    }
}

/// <summary>
/// Every condition. On SQLite one condition with <see cref="SegmentCondition.Members"/> stays an <c>IN</c>, which
/// SQLite drives the query from (index → contact by primary key), and the others become correlated checks
/// of each candidate; with several uncorrelated <c>IN</c>s SQLite would build a temporary index of every
/// other set first (seconds for a million contacts). The <see cref="Driver"/> is the smallest set as the
/// planner counted it, else the first. PostgreSQL, which keeps statistics, hashes each set once and keeps the IN form.
/// </summary>
public sealed record AllCondition(IReadOnlyList<SegmentCondition> Conditions) : SegmentCondition
{
    public SegmentCondition? Driver { get; init; }

    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var driver = correlated || !db.Database.IsSqlite() ? null : Driver ?? Conditions.FirstOrDefault(c => c.Members(db) is not null);
        return Conditions.Select(c => c.ToPredicate(db, now, correlated || (driver is not null && c != driver))).Aggregate(Predicates.True, Predicates.And);
    }

    internal override async Task<SegmentCondition> PlanAsync(SegmentPlanner planner, CancellationToken cancellationToken)
    {
        var planned = await PlanEachAsync(Conditions, planner, cancellationToken);
        SegmentCondition? driver = null;
        var smallest = SegmentPlanner.Cap;
        foreach (var condition in planned)
        {
            // Each count stops at the smallest so far: a larger set cannot win.
            if (await planner.CountAsync(condition, smallest, cancellationToken) is { } count && (driver is null || count < smallest))
            {
                (driver, smallest) = (condition, count);
            }
        }

        return this with { Conditions = planned, Driver = driver, Estimate = driver is null ? null : smallest };
    }
}

/// <summary>
/// Any condition: on SQLite one <c>IN</c> over the union of their sets when every one has a set, else an OR.
/// PostgreSQL is left the OR: it hashes each subquery once, while the union misleads its estimates into a
/// nested loop.
/// </summary>
public sealed record AnyCondition(IReadOnlyList<SegmentCondition> Conditions) : SegmentCondition
{
    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        if (!correlated && db.Database.IsSqlite() && Members(db) is { } members)
        {
            return c => members.Contains(c.Id);
        }

        return Conditions.Count == 0 ? Predicates.True : Conditions.Select(c => c.ToPredicate(db, now, correlated)).Aggregate(Predicates.Or);
    }

    public override IQueryable<Guid>? Members(ParleyDb db) =>
        Conditions.Count == 0 ? null : Conditions.Select(c => c.Members(db)).Aggregate((all, next) => all is null || next is null ? null : all.Concat(next));

    internal override async Task<SegmentCondition> PlanAsync(SegmentPlanner planner, CancellationToken cancellationToken) =>
        this with { Conditions = await PlanEachAsync(Conditions, planner, cancellationToken) };
}

public sealed record NotCondition(SegmentCondition Condition) : SegmentCondition
{
    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false) =>
        Predicates.Not(Condition.ToPredicate(db, now, CorrelateNegation(db, correlated)));

    internal override async Task<SegmentCondition> PlanAsync(SegmentPlanner planner, CancellationToken cancellationToken) =>
        this with { Condition = await Condition.PlanAsync(planner, cancellationToken) };
}

public sealed record LabelCondition(Guid LabelId, bool Has) : SegmentCondition
{
    public override IQueryable<Guid>? Members(ParleyDb db) => Has ? Labelled(db) : null;

    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var id = LabelId;
        var labelled = Labelled(db);
        Expression<Func<Contact, bool>> has = (Has ? correlated : CorrelateNegation(db, correlated))
            ? c => db.ContactLabels.Any(l => l.ContactId == c.Id && l.LabelId == id)
            : c => labelled.Contains(c.Id);
        return Has ? has : Predicates.Not(has);
    }

    private IQueryable<Guid> Labelled(ParleyDb db)
    {
        var id = LabelId;
        return db.ContactLabels.Where(l => l.LabelId == id).Select(l => l.ContactId);
    }
}

public sealed record ListCondition(Guid ListId, bool Member) : SegmentCondition
{
    public override IQueryable<Guid>? Members(ParleyDb db) => Member ? Listed(db) : null;

    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var id = ListId;
        var listed = Listed(db);
        Expression<Func<Contact, bool>> member = (Member ? correlated : CorrelateNegation(db, correlated))
            ? c => db.ContactListMembers.Any(m => m.ContactId == c.Id && m.ListId == id)
            : c => listed.Contains(c.Id);
        return Member ? member : Predicates.Not(member);
    }

    private IQueryable<Guid> Listed(ParleyDb db)
    {
        var id = ListId;
        return db.ContactListMembers.Where(m => m.ListId == id).Select(m => m.ContactId);
    }
}

/// <summary>
/// Consent: the contact's current state for a purpose, as the ledger derives it — granted, withdrawn, or
/// unknown (never stated).
/// </summary>
public sealed record ConsentCondition(string Purpose, string Op) : SegmentCondition
{
    public override IQueryable<Guid>? Members(ParleyDb db)
    {
        var (purpose, granted) = (Purpose, Op == "granted");
        return Op == "unknown" ? null : db.ConsentStates.Where(s => s.Purpose == purpose && s.Granted == granted).Select(s => s.ContactId);
    }

    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var purpose = Purpose;
        if (Op == "unknown")
        {
            var stated = db.ConsentStates.Where(s => s.Purpose == purpose).Select(s => s.ContactId);
            return CorrelateNegation(db, correlated)
                ? c => !db.ConsentStates.Any(s => s.ContactId == c.Id && s.Purpose == purpose)
                : c => !stated.Contains(c.Id);
        }

        var granted = Op == "granted";
        var members = Members(db)!;
        return correlated
            ? c => db.ConsentStates.Any(s => s.ContactId == c.Id && s.Purpose == purpose && s.Granted == granted)
            : c => members.Contains(c.Id);
    }
}

/// <summary>Activity: the customer's latest own message, or when the contact was created.</summary>
public sealed record ActivityCondition(bool LastInbound, string Op, int? Days, DateTime? At) : SegmentCondition
{
    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var bound = Days is { } days ? now.AddDays(-days) : At ?? now;
        if (LastInbound)
        {
            return Op switch
            {
                "never" => c => c.LastInboundAt == null,
                "withinDays" or "after" => c => c.LastInboundAt >= bound,
                _ => c => c.LastInboundAt < bound,
            };
        }

        return Op is "withinDays" or "after" ? c => c.CreatedAt >= bound : c => c.CreatedAt < bound;
    }
}

public sealed record AttributeCondition(AttributeDefinition Attribute, string Op, IReadOnlyList<TypedValue> Values) : SegmentCondition
{
    /// <summary>The contacts with a value that matches, read from the (attribute, value, contact) indexes.</summary>
    public override IQueryable<Guid>? Members(ParleyDb db)
    {
        var id = Attribute.Id;
        var values = db.ContactAttributeValues.Where(v => v.AttributeId == id);
        return Op switch
        {
            "exists" => values.Select(v => v.ContactId),
            "ne" or "missing" or "contains" => null,
            _ => values.Where(Match()).Select(v => v.ContactId),
        };
    }

    public override Expression<Func<Contact, bool>> ToPredicate(ParleyDb db, DateTime now, bool correlated = false)
    {
        var id = Attribute.Id;
        if (Op is "ne" or "missing")
        {
            return Predicates.Not((this with { Op = Op == "ne" ? "eq" : "exists" }).ToPredicate(db, now, CorrelateNegation(db, correlated)));
        }

        if (!correlated && Members(db) is { } members)
        {
            return c => members.Contains(c.Id);
        }

        Expression<Func<Contact, bool>> exists = correlated
            ? c => db.ContactAttributeValues.Any(v => v.ContactId == c.Id && v.AttributeId == id)
            : c => db.ContactAttributeValues.Where(v => v.AttributeId == id).Select(v => v.ContactId).Contains(c.Id);
        return Op == "exists" ? exists : Predicates.WithValueFilter(exists, Match());
    }

    private Expression<Func<ContactAttributeValue, bool>> Match()
    {
        var value = Values.Count > 0 ? Values[0] : new TypedValue(null, null, null, null);
        var (text, number, date, flag) = (value.Text, value.Number, value.Date, value.Bool);
        var texts = Values.Select(v => v.Text).ToList();
        var needle = text?.ToLowerInvariant() ?? "";
        return (Attribute.Type, Op) switch
        {
            (AttributeType.Number, "eq") => v => v.NumberValue == number,
            (AttributeType.Number, "lt") => v => v.NumberValue < number,
            (AttributeType.Number, "lte") => v => v.NumberValue <= number,
            (AttributeType.Number, "gt") => v => v.NumberValue > number,
            (AttributeType.Number, "gte") => v => v.NumberValue >= number,
            (AttributeType.Date, "eq") => v => v.DateValue == date,
            (AttributeType.Date, "lt") => v => v.DateValue < date,
            (AttributeType.Date, "lte") => v => v.DateValue <= date,
            (AttributeType.Date, "gt") => v => v.DateValue > date,
            (AttributeType.Date, "gte") => v => v.DateValue >= date,
            (AttributeType.Boolean, _) => v => v.BoolValue == flag,
#pragma warning disable CA1304, CA1311, CA1862 // EF translates ToLower to SQL lower() on both databases; no culture is involved.
            (_, "contains") => v => v.TextValue!.ToLower().Contains(needle),
#pragma warning restore CA1304, CA1311, CA1862
            (_, "in") => v => texts.Contains(v.TextValue),
            _ => v => v.TextValue == text,
        };
    }
}

/// <summary>Reads a filter from JSON against the workspace's attributes, labels and lists.</summary>
public sealed class SegmentFilterParser(ParleyDb db)
{
    public const int MaxConditions = 50;

    private static readonly string[] Ops = ["eq", "ne", "lt", "lte", "gt", "gte", "contains", "in", "exists", "missing"];

    private Dictionary<string, AttributeDefinition>? attributes;
    private HashSet<Guid>? labels;
    private HashSet<Guid>? lists;
    private HashSet<string>? purposes;
    private int count;

    public async Task<Outcome<SegmentCondition>> ParseAsync(JsonElement filter, string field, CancellationToken cancellationToken)
    {
        attributes = await db.AttributeDefinitions.AsNoTracking().ToDictionaryAsync(a => a.Key, cancellationToken);
        labels = (await db.Labels.AsNoTracking().Select(l => l.Id).ToListAsync(cancellationToken)).ToHashSet();
        lists = (await db.ContactLists.AsNoTracking().Select(l => l.Id).ToListAsync(cancellationToken)).ToHashSet();
        purposes = [.. Purposes.BuiltIn.Select(p => p.Key), .. await db.ConsentPurposes.AsNoTracking().Select(p => p.Key).ToListAsync(cancellationToken)];
        count = 0;
        return ParseCondition(filter, field, 0);
    }

    private Outcome<SegmentCondition> ParseCondition(JsonElement json, string path, int depth)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return OperationError.Invalid(path, "A condition is a JSON object with a \"type\".");
        }

        if (++count > MaxConditions || depth > 5)
        {
            return OperationError.Invalid(path, $"A filter has at most {MaxConditions} conditions, nested at most 5 deep.");
        }

        var type = Text(json, "type");
        var op = Text(json, "op");
        switch (type)
        {
            case "all" or "any":
                if (!json.TryGetProperty("conditions", out var items) || items.ValueKind != JsonValueKind.Array)
                {
                    return OperationError.Invalid($"{path}.conditions", "\"all\" and \"any\" take an array \"conditions\".");
                }

                var conditions = new List<SegmentCondition>();
                var i = 0;
                foreach (var item in items.EnumerateArray())
                {
                    var parsed = ParseCondition(item, $"{path}.conditions[{i++}]", depth + 1);
                    if (parsed.Error is not null)
                    {
                        return parsed;
                    }

                    conditions.Add(parsed.Value!);
                }

                return type == "all" ? new AllCondition(conditions) : new AnyCondition(conditions);
            case "not":
                if (!json.TryGetProperty("condition", out var inner))
                {
                    return OperationError.Invalid($"{path}.condition", "\"not\" takes one \"condition\".");
                }

                var negated = ParseCondition(inner, $"{path}.condition", depth + 1);
                return negated.Error is { } error ? error : new NotCondition(negated.Value!);
            case "label":
                return Guid.TryParse(Text(json, "labelId"), out var labelId) && labels!.Contains(labelId)
                    ? op is "has" or "lacks" ? new LabelCondition(labelId, op == "has") : OperationError.Invalid($"{path}.op", "op is \"has\" or \"lacks\".")
                    : OperationError.Invalid($"{path}.labelId", "labelId must be the id of one of this workspace's labels.");
            case "list":
                return Guid.TryParse(Text(json, "listId"), out var listId) && lists!.Contains(listId)
                    ? op is "member" or "notMember" ? new ListCondition(listId, op == "member") : OperationError.Invalid($"{path}.op", "op is \"member\" or \"notMember\".")
                    : OperationError.Invalid($"{path}.listId", "listId must be the id of one of this workspace's lists.");
            case "lastInbound" or "created":
                return Activity(json, path, type == "lastInbound", op);
            case "attribute":
                return Attribute(json, path, op);
            case "consent":
                return Text(json, "purpose") is { } purpose && purposes!.Contains(purpose)
                    ? op is "granted" or "withdrawn" or "unknown" ? new ConsentCondition(purpose, op) : OperationError.Invalid($"{path}.op", "op is \"granted\", \"withdrawn\" or \"unknown\".")
                    : OperationError.Invalid($"{path}.purpose", "purpose must be one of this workspace's consent purposes, e.g. marketing.");
            default:
                return OperationError.Invalid($"{path}.type", "type is one of all, any, not, attribute, label, list, lastInbound, created, consent.");
        }
    }

    private static Outcome<SegmentCondition> Activity(JsonElement json, string path, bool lastInbound, string? op)
    {
        switch (op)
        {
            case "never" when lastInbound:
                return new ActivityCondition(true, op, null, null);
            case "withinDays" or "olderThanDays":
                return json.TryGetProperty("days", out var days) && days.TryGetInt32(out var n) && n is >= 0 and <= 36500
                    ? new ActivityCondition(lastInbound, op, n, null)
                    : OperationError.Invalid($"{path}.days", "days is a whole number from 0 to 36500.");
            case "after" or "before":
                return DateTime.TryParse(Text(json, "at"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
                    ? new ActivityCondition(lastInbound, op, null, at)
                    : OperationError.Invalid($"{path}.at", "at is a time such as 2026-01-31T00:00:00Z.");
            default:
                return OperationError.Invalid($"{path}.op", lastInbound
                    ? "op is one of withinDays, olderThanDays, after, before, never."
                    : "op is one of withinDays, olderThanDays, after, before.");
        }
    }

    private Outcome<SegmentCondition> Attribute(JsonElement json, string path, string? op)
    {
        if (Text(json, "key") is not { } key || !attributes!.TryGetValue(key, out var attribute))
        {
            return OperationError.Invalid($"{path}.key", "key must name one of this workspace's attributes.");
        }

        if (op is null || !Ops.Contains(op))
        {
            return OperationError.Invalid($"{path}.op", $"op is one of {string.Join(", ", Ops)}.");
        }

        var fits = attribute.Type switch
        {
            AttributeType.Number or AttributeType.Date => op is not ("contains" or "in"),
            AttributeType.Boolean => op is "eq" or "ne" or "exists" or "missing",
            AttributeType.Choice => op is "eq" or "ne" or "in" or "exists" or "missing",
            _ => op is "eq" or "ne" or "contains" or "in" or "exists" or "missing",
        };
        if (!fits)
        {
            return OperationError.Invalid($"{path}.op", $"op '{op}' does not apply to the {attribute.Type.ToString().ToLowerInvariant()} attribute '{key}'.");
        }

        if (op is "exists" or "missing")
        {
            return new AttributeCondition(attribute, op, []);
        }

        if (!json.TryGetProperty("value", out var given))
        {
            return OperationError.Invalid($"{path}.value", "This condition needs a \"value\".");
        }

        var raw = op == "in" ? given.ValueKind == JsonValueKind.Array ? [.. given.EnumerateArray()] : Array.Empty<JsonElement>() : [given];
        if (raw.Length == 0)
        {
            return OperationError.Invalid($"{path}.value", "\"in\" takes a non-empty array of values.");
        }

        var values = new List<TypedValue>();
        foreach (var item in raw)
        {
            var value = AttributeValues.FromJson(attribute, item);
            if (value.Error is { } error)
            {
                return OperationError.Invalid($"{path}.value", error.Message);
            }

            values.Add(value.Value!);
        }

        return new AttributeCondition(attribute, op, values);
    }

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>Composes predicates over contacts into one expression EF can translate.</summary>
public static class Predicates
{
    public static readonly Expression<Func<Contact, bool>> True = c => true;

    public static Expression<Func<Contact, bool>> And(Expression<Func<Contact, bool>> left, Expression<Func<Contact, bool>> right) =>
        ReferenceEquals(left, True) ? right : Combine(left, right, Expression.AndAlso);

    public static Expression<Func<Contact, bool>> Or(Expression<Func<Contact, bool>> left, Expression<Func<Contact, bool>> right) =>
        Combine(left, right, Expression.OrElse);

    public static Expression<Func<Contact, bool>> Not(Expression<Func<Contact, bool>> predicate) =>
        Expression.Lambda<Func<Contact, bool>>(Expression.Not(predicate.Body), predicate.Parameters);

    private static Expression<Func<Contact, bool>> Combine(Expression<Func<Contact, bool>> left, Expression<Func<Contact, bool>> right, Func<Expression, Expression, BinaryExpression> join)
    {
        var body = new Swap(right.Parameters[0], left.Parameters[0]).Visit(right.Body);
        return Expression.Lambda<Func<Contact, bool>>(join(left.Body, body), left.Parameters);
    }

    /// <summary>Adds a condition on the attribute value to the template's <c>Where(v => …)</c> (the one lambda over values that is a predicate).</summary>
    public static Expression<Func<Contact, bool>> WithValueFilter(Expression<Func<Contact, bool>> template, Expression<Func<ContactAttributeValue, bool>> match) =>
        (Expression<Func<Contact, bool>>)new ValueFilter(match).Visit(template);

    private sealed class Swap(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }

    private sealed class ValueFilter(Expression<Func<ContactAttributeValue, bool>> match) : ExpressionVisitor
    {
        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            if (node.Parameters is [{ } v] && v.Type == typeof(ContactAttributeValue) && node.Body.Type == typeof(bool))
            {
                var extra = new Swap(match.Parameters[0], v).Visit(match.Body);
                return Expression.Lambda<T>(Expression.AndAlso(node.Body, extra), node.Parameters);
            }

            return base.VisitLambda(node);
        }
    }
}
