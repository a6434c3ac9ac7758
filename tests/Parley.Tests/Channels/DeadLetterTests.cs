using Parley.Tests.Infrastructure;

namespace Parley.Tests.Channels;

public sealed class DeadLetterTests
{
    [Fact]
    public async Task DeadLetters_AreListedAndReplayedFromTheCommandLine()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var app = new ParleyApp(database))
        {
            await app.InitializeAsync();
            await app.PostWebhookAsync("""{"object":"whatsapp_business_account","entry":[{"changes":[]}]}""");
            await app.WaitForWebhooksAsync();
        }

        var list = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "dead-letters");
        var replay = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "replay");
        var after = await ParleyProcess.RunAsync(database.EnvironmentVariables(), "webhooks", "dead-letters");

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("1 dead letter(s):", list.Output, StringComparison.Ordinal);
        Assert.Contains("An entry has no 'id'.", list.Output, StringComparison.Ordinal);
        Assert.Contains("Queued 1 delivery(ies)", replay.Output, StringComparison.Ordinal);
        Assert.Contains("No dead letters.", after.Output, StringComparison.Ordinal);
    }
}
