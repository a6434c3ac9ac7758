using System.Data.Common;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using Parley.Channels.WhatsApp;

namespace Parley.Bench;

/// <summary>
/// The baseline: Kestrel reading the body and answering 200, nothing else — as its own process, as Parley
/// is one, so that both answer the load generator across a process boundary with a thread pool of their
/// own. <c>BENCH_BARE=in-process</c> runs it inside the benchmark's process instead, where it shares the
/// load generator's thread pool (how it ran until 2026-12-07).
/// </summary>
internal sealed class BareEndpoint(string url, WebApplication? app, Process? process) : IAsyncDisposable
{
    public const string Scenario = "bare-endpoint";

    public string Url { get; } = url;

    public static async Task<BareEndpoint> StartAsync()
    {
        var port = FreePort();
        var url = $"http://127.0.0.1:{port}/";
        if (Environment.GetEnvironmentVariable("BENCH_BARE") == "in-process")
        {
            return new BareEndpoint(url, await StartAppAsync(port), null);
        }

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var arg in (string[])[typeof(BareEndpoint).Assembly.Location, Scenario, port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        using var client = new HttpClient();
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await client.PostAsync(url, new ByteArrayContent([]))).IsSuccessStatusCode)
                {
                    return new BareEndpoint(url, null, process);
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new InvalidOperationException("The bare endpoint did not start.");
    }

    /// <summary>The endpoint itself.</summary>
    public static async Task<WebApplication> StartAppAsync(int port)
    {
        // Its content root is the build output, and its configuration is not reloaded: the default (the working
        // directory, watched with its subdirectories) had this process read an event for every write Parley's
        // database made under the same temporary directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        if (process is not null)
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed record SandboxNumber(string PhoneNumberId, string WabaId, string DisplayPhoneNumber, string AccessToken);

/// <summary>
/// The real Parley as its own process (Release build) in demo mode: the demo workspace with sandbox
/// number 1 connected, an admin API key, and direct read access to its database for measurements.
/// </summary>
internal sealed class ParleyServer : IDisposable
{
    private readonly Process process;
    private readonly DirectoryInfo data;
    private readonly string? postgres;
    private readonly Process? sandbox;
    private Dictionary<string, string> environment = [];

    private ParleyServer(Process process, DirectoryInfo data, string? postgres, string url, Process? sandbox, string sandboxUrl)
    {
        this.process = process;
        this.data = data;
        this.postgres = postgres;
        this.sandbox = sandbox;
        Url = url;
        SandboxUrl = sandboxUrl;
    }

    public string Url { get; }

    /// <summary>Where the sandbox answers: Parley itself in demo mode, or the sandbox's own process.</summary>
    public string SandboxUrl { get; }

    public string WebhookUrl => Url + "/webhooks/whatsapp";

    public HttpClient Api { get; } = new();

    /// <summary>Starts Parley; with <paramref name="separateSandbox"/> the sandbox runs as its own process and Parley outside demo mode.</summary>
    public static async Task<ParleyServer> StartAsync(string? postgres, int sandboxThroughput = 80, bool separateSandbox = false)
    {
        var data = Directory.CreateTempSubdirectory("parley-bench-");
        var port = BareEndpoint.FreePort();
        var sandboxSettings = new Dictionary<string, string>
        {
            ["Sandbox__AppSecret"] = Load.Secret,
            ["Sandbox__Throughput"] = sandboxThroughput.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sandbox__ReadDelay"] = "-00:00:01",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var environment = new Dictionary<string, string>(sandboxSettings)
        {
            ["Parley__DataDirectory"] = data.FullName,
            ["Parley__Demo"] = "true",
            ["WhatsApp__AppSecret"] = Load.Secret,
        };
        Process? sandbox = null;
        var sandboxUrl = $"http://127.0.0.1:{port}";
        if (separateSandbox)
        {
            var sandboxPort = BareEndpoint.FreePort();
            sandboxUrl = $"http://127.0.0.1:{sandboxPort}";
            sandboxSettings["Sandbox__WebhookUrl"] = $"http://127.0.0.1:{port}/webhooks/whatsapp";
            sandbox = Start(Path.Combine(AppContext.BaseDirectory, "Parley.Sandbox.dll"), sandboxSettings, "--urls", sandboxUrl);
            environment["Parley__Demo"] = "false";
            environment["WhatsApp__GraphBaseUrl"] = sandboxUrl + "/sandbox/graph";
        }
        if (postgres is not null)
        {
            // A fresh database per run, so counts start at zero.
            var database = $"parley_bench_{Environment.ProcessId}";
            await using (var admin = new NpgsqlConnection(postgres))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}", admin);
                await create.ExecuteNonQueryAsync();
            }

            postgres = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ToString();
            environment["Database__Provider"] = "Postgres";
            environment["ConnectionStrings__Default"] = postgres;
        }

        var process = Start(typeof(Parley.Hosting.ParleyHost).Assembly.Location, environment, "--urls", $"http://127.0.0.1:{port}");
        var server = new ParleyServer(process, data, postgres, $"http://127.0.0.1:{port}", sandbox, sandboxUrl) { environment = environment };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await server.Api.GetAsync(server.Url + "/healthz")).IsSuccessStatusCode
                    && (await server.Api.GetAsync(server.SandboxUrl + "/sandbox/api/numbers")).IsSuccessStatusCode)
                {
                    if (separateSandbox)
                    {
                        await RunCommandAsync(environment, "workspace", "create", "--slug", "demo", "--name", "Demo");
                    }

                    var key = await RunCommandAsync(environment, "apikey", "create", "--workspace", "demo", "--role", "admin", "--name", "bench");
                    server.Api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        server.Dispose();
        throw new InvalidOperationException("Parley did not start.");
    }

    /// <summary>Runs a command of Parley's command line against this installation; returns its last line of output.</summary>
    public Task<string> CommandAsync(params string[] args) => RunCommandAsync(environment, args);

    public async Task<SandboxNumber[]> SandboxNumbersAsync() =>
        (await Api.GetFromJsonAsync<SandboxNumber[]>(SandboxUrl + "/sandbox/api/numbers"))!;

    /// <summary>
    /// Parley's resident memory in MB, without mapped files (RssAnon + RssShmem): pages of a mapped file are
    /// the operating system's file cache, shared and dropped at will.
    /// </summary>
    public double ResidentMegabytes()
    {
        var lines = File.ReadLines($"/proc/{process.Id}/status").Where(l => l.StartsWith("RssAnon:", StringComparison.Ordinal) || l.StartsWith("RssShmem:", StringComparison.Ordinal));
        return lines.Sum(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture)) / 1024.0;
    }

    /// <summary>Processor time Parley and the sandbox (when in its own process) have used so far.</summary>
    public (TimeSpan Parley, TimeSpan Sandbox) ProcessorTime() => (process.TotalProcessorTime, sandbox?.TotalProcessorTime ?? TimeSpan.Zero);

    /// <summary>Read-only on SQLite unless <paramref name="write"/> (a benchmark that fills tables itself).</summary>
    public async Task<DbConnection> OpenDatabaseAsync(bool write = false)
    {
        DbConnection connection = postgres is not null
            ? new NpgsqlConnection(postgres)
            : new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(data.FullName, "parley.db"),
                Mode = write ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadOnly,
                DefaultTimeout = 600,
            }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<long> CountAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Stored webhook deliveries not yet processed: on SQLite also those still in the intake file.</summary>
    public async Task<long> PendingWebhooksAsync()
    {
        await using var db = await OpenDatabaseAsync();
        const string pending = "SELECT count(*) FROM webhook_deliveries WHERE processed_at IS NULL AND dead_at IS NULL";
        if (postgres is not null)
        {
            return await CountAsync(db, pending);
        }

        var intake = Path.Combine(data.FullName, "parley-intake.db").Replace("'", "''", StringComparison.Ordinal);
        if (await CountAsync(db, "SELECT count(*) FROM pragma_database_list WHERE name = 'intake'") == 0) // pooled: may be attached already
        {
            await CountAsync(db, $"ATTACH DATABASE '{intake}' AS intake; SELECT 0");
        }

        return await CountAsync(db, $"SELECT ({pending}) + (SELECT count(*) FROM intake.deliveries WHERE id > ({IntakeFile.MovedUpToSql}))");
    }

    /// <summary>Waits until every stored webhook delivery is processed; returns how long that took.</summary>
    public async Task<TimeSpan> DrainWebhooksAsync(TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < limit && await PendingWebhooksAsync() > 0)
        {
            await Task.Delay(50);
        }

        return watch.Elapsed;
    }

    public void Dispose()
    {
        foreach (var running in (Process?[])[process, sandbox])
        {
            if (running is not null)
            {
                running.Kill(entireProcessTree: true);
                running.WaitForExit();
                running.Dispose();
            }
        }

        Api.Dispose();
        if (Environment.GetEnvironmentVariable("BENCH_KEEP") == "1")
        {
            // Kept for looking at query plans afterwards (the PostgreSQL database stays anyway until the next run).
            Console.Error.WriteLine($"kept {data.FullName}");
        }
        else
        {
            data.Delete(recursive: true);
        }
    }

    private static Process Start(string assembly, Dictionary<string, string> environment, params string[] args)
    {
        var process = Process.Start(StartInfo(assembly, environment, args))!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> RunCommandAsync(Dictionary<string, string> environment, params string[] args)
    {
        using var process = Process.Start(StartInfo(typeof(Parley.Hosting.ParleyHost).Assembly.Location, environment, args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"parley {string.Join(' ', args)} failed: {await errors}");
        }

        return (await output).Trim().Split('\n')[^1].Trim();
    }

    private static ProcessStartInfo StartInfo(string assembly, Dictionary<string, string> environment, string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start;
    }
}
