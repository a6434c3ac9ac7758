using System.Diagnostics;
using System.Text;

namespace Parley.Tests.Infrastructure;

/// <summary>The real program in its own process (<c>dotnet Parley.dll …</c>), as an operator runs it.</summary>
public sealed class ParleyProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();

    private ParleyProcess(IReadOnlyDictionary<string, string?> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        start.Environment.Remove("PARLEY_TEST_POSTGRES");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output => Read(output);

    public string Error => Read(error);

    public int ExitCode => process.ExitCode;

    public static ParleyProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args) => new(environment, args);

    /// <summary>Runs a command to its end.</summary>
    public static async Task<ParleyProcess> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var run = Start(environment, args);
        await run.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return run;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
    }

    /// <summary>Waits until standard output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited || deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Parley did not print '{text}'. Output:\n{Output}\nErrors:\n{Error}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Asks the process to stop as a service manager would (SIGTERM).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public string LastOutputLine() => Output.TrimEnd().Split('\n')[^1].Trim();

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }
}
