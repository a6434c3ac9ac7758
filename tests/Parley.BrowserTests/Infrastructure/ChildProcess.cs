using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>
/// Our programs run as real child processes (<c>dotnet Parley.dll</c>, <c>dotnet Parley.Sandbox.dll</c>):
/// started with a clean environment, their output kept, and waited for until they answer.
/// </summary>
public static class ChildProcess
{
    /// <summary>Settings from the machine's environment that could point a program at another database, mode or sandbox.</summary>
    private static readonly string[] OwnSettings = ["Parley__", "Database__", "ConnectionStrings__", "ASPNETCORE_", "WhatsApp__", "Sandbox__", "Logging__", "PARLEY_TEST_POSTGRES"];

    /// <summary>
    /// A process (not yet started) running <paramref name="assembly"/> from the test's output folder; none of
    /// the machine's own settings reach it, only <paramref name="environment"/>.
    /// </summary>
    public static Process Create(string assembly, IEnumerable<string> args, IEnumerable<KeyValuePair<string, string>> environment)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing; build the test project (it references src/Parley, which references the sandbox).");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(path);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var inherited in start.Environment.Keys.Where(k => OwnSettings.Any(s => k.StartsWith(s, StringComparison.OrdinalIgnoreCase))).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new Process { StartInfo = start };
    }

    /// <summary>Starts the process with both of its outputs going to <paramref name="log"/>.</summary>
    public static void Start(Process process, OutputLog log)
    {
        process.OutputDataReceived += (_, e) => log.Append(e.Data);
        process.ErrorDataReceived += (_, e) => log.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Waits until <paramref name="path"/> answers 200; throws with the program's output if it exits or takes too long.</summary>
    public static async Task WaitUntilOkAsync(HttpClient http, string path, Process process, TimeSpan timeout, OutputLog log)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (process.HasExited)
            {
                process.WaitForExit(); // drains the output readers
                throw new InvalidOperationException($"{path} did not answer 200: the program exited with {process.ExitCode}. Output:\n{log}");
            }

            if (waited.Elapsed > timeout)
            {
                throw new InvalidOperationException($"{path} did not answer 200 within {timeout.TotalSeconds} s. Output:\n{log}");
            }

            await Task.Delay(50);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What a child process printed, safe to append to from its output readers.</summary>
public sealed class OutputLog
{
    private readonly StringBuilder text = new();

    public void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (text)
        {
            text.AppendLine(line);
        }
    }

    public override string ToString()
    {
        lock (text)
        {
            return text.ToString();
        }
    }
}
