using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Parley.Data;
using Parley.Identity;

namespace Parley.Tests.Infrastructure;

/// <summary>
/// Parley in process, on its own database (SQLite file or PostgreSQL), with a clock the test controls.
/// Migrations run through the real migrator, exactly as at start-up.
/// </summary>
public sealed partial class ParleyApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly Dictionary<string, string?> extraSettings;
    private readonly bool ownsDatabase;

    public ParleyApp() : this(null, [])
    {
    }

    /// <summary>Parley on a database the test made (and disposes) itself.</summary>
    public ParleyApp(TestDatabase? database, Dictionary<string, string?>? settings = null)
    {
        extraSettings = settings ?? [];
        ownsDatabase = database is null;
        Database = database!;
    }

    public TestDatabase Database { get; private set; }

    public FakeClock Clock { get; } = new();

    public const string AppSecret = "test-app-secret";
    public const string VerifyToken = "test-verify-token";

    public async Task InitializeAsync()
    {
        Database ??= await TestDatabase.CreateAsync();
        await Services.GetRequiredService<Migrator>().MigrateAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in Database.Settings().Concat(extraSettings))
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Parley:Demo", extraSettings.GetValueOrDefault("Parley:Demo") ?? "false");
        builder.UseSetting("WhatsApp:AppSecret", AppSecret);
        builder.UseSetting("WhatsApp:VerifyToken", VerifyToken);

        // The sandbox is mounted in every test application and talks to it in process.
        builder.UseSetting("Sandbox:Enabled", extraSettings.GetValueOrDefault("Sandbox:Enabled") ?? "true");
        builder.UseSetting("Sandbox:AppSecret", AppSecret);
        builder.UseSetting("Sandbox:Numbers", "30");
        builder.UseSetting("Sandbox:DeliveryDelay", "00:00:00.050");
        builder.UseSetting("Sandbox:ReadDelay", "00:00:00.100");
        builder.UseSetting("Sandbox:TemplateReviewDelay", "00:00:00.100");
        builder.UseSetting("WhatsApp:GraphBaseUrl", "http://localhost/sandbox/graph");
        builder.UseSetting("Sandbox:WebhookUrl", "http://localhost/webhooks/whatsapp");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            foreach (var client in new[] { Parley.Channels.WhatsApp.GraphClient.HttpClientName, Parley.Sandbox.SandboxWebhooks.HttpClientName })
            {
                services.AddHttpClient(client).ConfigurePrimaryHttpMessageHandler(sp => ((TestServer)sp.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()).CreateHandler());
            }
        });
    }

    /// <summary>A browser-like client over HTTPS (session cookies are Secure) that does not follow redirects.</summary>
    public HttpClient Browser() => CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri("https://localhost"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    public HttpClient Api(string? key)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    /// <summary>Runs code in a scope acting for a workspace from the command line (installation level).</summary>
    public async Task<T> AsInstallationAsync<T>(string? workspaceSlug, Func<IServiceProvider, Task<T>> action)
    {
        await using var scope = Services.CreateAsyncScope();
        if (workspaceSlug is not null)
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<Workspaces>().EnterAsync(workspaceSlug, Actor.CommandLine, default));
        }

        return await action(scope.ServiceProvider);
    }

    /// <summary>A new workspace with an owner account and an admin API key.</summary>
    public async Task<TestWorkspace> CreateWorkspaceAsync()
    {
        var slug = $"ws-{Guid.NewGuid():N}"[..20];
        await AsInstallationAsync<object?>(null, async services =>
        {
            var created = await services.GetRequiredService<Workspaces>().CreateAsync(slug, $"Workspace {slug}", Actor.CommandLine, default);
            Assert.True(created.Succeeded, created.Error?.Message);
            return null;
        });

        var owner = await AddUserAsync(slug, "owner");
        var key = await CreateKeyAsync(slug, "admin");
        return new TestWorkspace(slug, owner, key);
    }

    public Task<TestUser> AddUserAsync(string slug, string role) =>
        AsInstallationAsync(slug, async services =>
        {
            var email = $"{role}-{Guid.NewGuid():N}@example.test";
            var added = await services.GetRequiredService<Members>().AddAsync(email, $"{role} person", role, default);
            Assert.True(added.Succeeded, added.Error?.Message);
            return new TestUser(added.Value!.Member.Id, email, added.Value.InitialPassword!);
        });

    public Task<string> CreateKeyAsync(string slug, string role) =>
        AsInstallationAsync(slug, async services =>
        {
            var created = await services.GetRequiredService<ApiKeys>().CreateAsync($"{role} key", role, default);
            Assert.True(created.Succeeded, created.Error?.Message);
            return created.Value!.Secret;
        });

    /// <summary>Signs in through the real form (anti-forgery token and all); returns the response of the POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string email, string password)
    {
        var token = await AntiforgeryTokenAsync(browser, "/signin");
        return await browser.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
    }

    public static async Task<string> AntiforgeryTokenAsync(HttpClient browser, string path)
    {
        var html = await browser.GetStringAsync(path);
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, $"No anti-forgery token on {path}");
        return match.Groups[1].Value;
    }

    /// <summary>Posts a page's form as a browser does: the anti-forgery token from the page, then the fields to its handler.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string path, string? handler, Dictionary<string, string> form)
    {
        form["__RequestVerificationToken"] = await AntiforgeryTokenAsync(browser, path);
        return await browser.PostAsync(handler is null ? path : $"{path}?handler={handler}", new FormUrlEncodedContent(form));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*?value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public static Task<HttpResponseMessage> PostJsonAsync<T>(HttpClient client, string path, T body) => client.PostAsJsonAsync(path, body);
}

public sealed record TestUser(Guid Id, string Email, string Password);

public sealed record TestWorkspace(string Slug, TestUser Owner, string AdminKey);
