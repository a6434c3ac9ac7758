namespace Parley.Channels.WhatsApp;

/// <summary>
/// WhatsApp's pair rate limit, kept before WhatsApp has to refuse with 131056: to one customer a number
/// may send a burst of up to <c>burst</c> messages, after which the budget refills by one message every
/// <c>interval</c> (Meta: 45 and 6 seconds — a burst borrows from the following minutes). Keyed by
/// conversation, which is one customer and one number. The refill is 3 % slower than the limit: a request
/// reaches WhatsApp some milliseconds after it is taken from the budget, and that delay varies.
/// </summary>
public sealed class PairBudget(TimeProvider clock, int burst, TimeSpan interval)
{
    private readonly TimeSpan refill = interval * 1.03;
    private readonly Dictionary<Guid, (double Tokens, long At)> spent = [];
    private readonly Lock gate = new();

    /// <summary>Takes one message from the conversation's budget; false when it has none left right now.</summary>
    public bool TryTake(Guid conversationId)
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            var tokens = Tokens(conversationId, now);
            if (tokens < 1)
            {
                return false;
            }

            spent[conversationId] = (tokens - 1, now);
            return true;
        }
    }

    /// <summary>The conversations with no message left in their budget now; forgets the ones refilled completely.</summary>
    public List<Guid> Exhausted()
    {
        lock (gate)
        {
            var now = clock.GetTimestamp();
            var exhausted = new List<Guid>();
            foreach (var conversationId in spent.Keys.ToList())
            {
                var tokens = Tokens(conversationId, now);
                if (tokens >= burst)
                {
                    spent.Remove(conversationId);
                }
                else if (tokens < 1)
                {
                    exhausted.Add(conversationId);
                }
            }

            return exhausted;
        }
    }

    private double Tokens(Guid conversationId, long now) =>
        spent.TryGetValue(conversationId, out var last)
            ? Math.Min(burst, last.Tokens + clock.GetElapsedTime(last.At, now) / refill)
            : burst;
}
