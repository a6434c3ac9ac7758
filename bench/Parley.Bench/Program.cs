using System.Globalization;

namespace Parley.Bench;

/// <summary>
/// Benchmarks of the WhatsApp channel against a real Parley process (Release build, demo mode with its
/// built-in sandbox). Each prints ratios or percentiles measured in one run.
/// Usage: dotnet run -c Release --project bench/Parley.Bench -- [intake|latency|outbound|contacts-import|segment|inbox|live|campaign] [seconds or rows] [PostgreSQL connection string]
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var scenario = args.Length > 0 ? args[0] : "intake";
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 0;
        var postgres = args.Length > 2 ? args[2] : null;
        if (scenario == BareEndpoint.Scenario)
        {
            // The intake benchmark's baseline, started by it as its own process (the argument is its port).
            await using var app = await BareEndpoint.StartAppAsync(seconds);
            await app.WaitForShutdownAsync();
            return 0;
        }

        Console.WriteLine($"{scenario} benchmark on {Environment.ProcessorCount} cores, {(postgres is null ? "SQLite" : "PostgreSQL")}, {TimeProvider.System.GetLocalNow():yyyy-MM-dd HH:mm}");
        switch (scenario)
        {
            case "intake":
                await IntakeBenchmark.RunAsync(seconds > 0 ? seconds : 10, postgres);
                return 0;
            case "latency":
                await LatencyBenchmark.RunAsync(seconds > 0 ? seconds : 60, postgres);
                return 0;
            case "outbound":
                await OutboundBenchmark.RunAsync(seconds > 0 ? seconds : 20, postgres);
                return 0;
            case "contacts-import":
                await ContactsBenchmark.ImportAsync(seconds > 0 ? seconds : 100_000, postgres);
                return 0;
            case "inbox":
                await InboxBenchmark.RunAsync(seconds > 0 ? seconds : 100_000, postgres);
                return 0;
            case "live":
                await LiveBenchmark.RunAsync(seconds > 0 ? seconds : 200, postgres);
                return 0;
            case "campaign":
                await CampaignBenchmark.RunAsync(seconds > 0 ? seconds : 100_000, postgres);
                return 0;
            case "segment":
                await ContactsBenchmark.SegmentAsync(seconds > 0 ? seconds : 1_000_000, postgres);
                return 0;
            default:
                await Console.Error.WriteLineAsync("Scenarios: intake, latency, outbound, contacts-import, segment, inbox, live, campaign.");
                return 1;
        }
    }
}
