using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace Parley.BrowserTests.Infrastructure;

/// <summary>
/// The real program (<c>dotnet Parley.dll</c>) on a fixed loopback port with its own data directory, for
/// crash tests: it can be killed with SIGKILL at any moment and started again on the same port and data,
/// and runs its command line (<c>workspace create</c>, <c>apikey create</c>) against the same database.
/// </summary>
public sealed class KillableParley : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly IReadOnlyDictionary<string, string> settings;
    private readonly OutputLog output = new();
    private Process? process;

    /// <param name="port">The port Parley serves on, every time it starts.</param>
    /// <param name="settings">Environment variables for Parley (<c>WhatsApp__AppSecret</c>, …).</param>
    public KillableParley(int port, IReadOnlyDictionary<string, string> settings)
    {
        this.settings = settings;
        DataDirectory = Directory.CreateTempSubdirectory("parley-crash-").FullName;
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(15) };
    }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>A client without cookies, for the API; it outlives every restart.</summary>
    public HttpClient Http { get; }

    public int Starts { get; private set; }

    public int Kills { get; private set; }

    /// <summary>What every run printed, each start marked.</summary>
    public string Output => output.ToString();

    /// <summary>
    /// A free port below Linux's ephemeral range (32768–60999): while Parley is down, the sandbox's retries
    /// connect to its port again and again, and an ephemeral source port equal to it would connect the
    /// socket to itself (TCP self-connect) and keep Parley from binding on restart.
    /// </summary>
    public static int PortBelowEphemeralRange()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
                // Taken; another one.
            }
        }
    }

    /// <summary>The end of a long output, for a failure message.</summary>
    public static string Tail(string text, int length = 6_000) => text.Length <= length ? text : "…" + text[^length..];

    /// <summary>A read-only connection to Parley's SQLite file, as an operator's <c>sqlite3 -readonly</c> would open it.</summary>
    public SqliteConnection OpenDatabase()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDirectory, "parley.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 10000";
        busy.ExecuteNonQuery();
        var intake = Path.Combine(DataDirectory, "parley-intake.db");
        if (File.Exists(intake))
        {
            // Acknowledged deliveries wait here until the processor moves them into webhook_deliveries.
            busy.CommandText = $"ATTACH DATABASE '{intake.Replace("'", "''", StringComparison.Ordinal)}' AS intake";
            busy.ExecuteNonQuery();
        }

        return connection;
    }

    /// <summary>Runs a command to its end and returns what it printed on standard output; a failure throws.</summary>
    public async Task<string> RunCommandAsync(params string[] args)
    {
        using var command = Parley(args);
        var printed = new OutputLog();
        command.OutputDataReceived += (_, e) => printed.Append(e.Data);
        command.ErrorDataReceived += (_, e) => output.Append(e.Data);
        command.Start();
        command.BeginOutputReadLine();
        command.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(StartTimeout);
        await command.WaitForExitAsync(timeout.Token);
        command.WaitForExit(); // drains the output readers
        return command.ExitCode == 0
            ? printed.ToString()
            : throw new InvalidOperationException($"parley {string.Join(' ', args)} exited with {command.ExitCode}:\n{printed}\n{Output}");
    }

    /// <summary>Starts serving and waits until <c>/healthz</c> answers 200.</summary>
    public async Task StartAsync()
    {
        if (process is not null)
        {
            throw new InvalidOperationException("Parley is already running.");
        }

        Starts++;
        output.Append($"--- start {Starts} ---");
        process = Parley([]);
        process.StartInfo.Environment["ASPNETCORE_URLS"] = BaseUrl;
        ChildProcess.Start(process, output);
        await ChildProcess.WaitUntilOkAsync(Http, "/healthz", process, StartTimeout, output);
    }

    /// <summary>SIGKILL, as the kernel's OOM killer or a power cut would end it: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (process is null)
        {
            throw new InvalidOperationException("Parley is not running.");
        }

        process.Kill(); // SIGKILL on Unix
        await process.WaitForExitAsync();
        process.Dispose();
        process = null;
        Kills++;
        output.Append($"--- killed ({Kills}) ---");
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            process = null;
        }

        Http.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp directory is the operating system's to clean then.
        }
    }

    private Process Parley(string[] args) =>
        ChildProcess.Create("Parley.dll", args, settings.Prepend(KeyValuePair.Create("Parley__DataDirectory", DataDirectory)));
}
