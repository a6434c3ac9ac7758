using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Parley.BrowserTests.Infrastructure;

public sealed record Account(string Email, string Password);

/// <summary>
/// The real program (<c>dotnet Parley.dll</c>) on a free loopback port with its own data directory, in demo
/// mode as on a first start: the demo owner's password is read from what Parley prints.
/// </summary>
public sealed partial class ParleyServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process process;
    private readonly OutputLog output = new();

    /// <summary>An admin API key of the demo workspace, made by the demo owner, to set up people for tests.</summary>
    private string adminKey = "";

    private ParleyServer(string dataDirectory, int port)
    {
        DataDirectory = dataDirectory;
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        process = ChildProcess.Create("Parley.dll", [], [KeyValuePair.Create("Parley__DataDirectory", dataDirectory), KeyValuePair.Create("ASPNETCORE_URLS", BaseUrl)]);
        ChildProcess.Start(process, output);
    }

    public string BaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>A client without cookies, for the API.</summary>
    public HttpClient Http { get; }

    public Account Owner { get; private set; } = new("", "");

    public string Output => output.ToString();

    public static async Task<ParleyServer> StartAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("parley-browser-").FullName;
        var server = new ParleyServer(dataDirectory, ChildProcess.FreePort());
        try
        {
            server.Owner = await server.WaitForDemoOwnerAsync();
            await ChildProcess.WaitUntilOkAsync(server.Http, "/healthz", server.process, StartTimeout, server.output);
            server.adminKey = await server.CreateAdminKeyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>POSTs to the demo workspace's API with the admin key; the answer's body.</summary>
    public async Task<System.Text.Json.JsonElement> PostAsync(string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
    }

    /// <summary>Adds a person to the demo workspace through the API and returns their generated password.</summary>
    public async Task<Account> AddMemberAsync(string role, string name)
    {
        var email = $"{name.ToLowerInvariant().Replace(' ', '.')}.{Guid.NewGuid().ToString("N")[..8]}@example.test";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/users")
        {
            Content = JsonContent.Create(new { email, displayName = name, role }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await Http.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Adding {email} failed ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync()}");
        }

        var added = await response.Content.ReadFromJsonAsync<AddedMember>();
        return new Account(email, added!.InitialPassword!);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
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

    private async Task<Account> WaitForDemoOwnerAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var printed = Output;
            if (Email().Match(printed) is { Success: true } email && Password().Match(printed) is { Success: true } password)
            {
                return new Account(email.Groups[1].Value, password.Groups[1].Value);
            }

            if (process.HasExited || deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"Parley did not print the demo owner's sign-in{Exited()}. Output:\n{printed}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The demo owner signs in and creates an admin key on the API keys page, as a person would, then opens the other pages once.</summary>
    private async Task<string> CreateAdminKeyAsync()
    {
        using var session = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = Http.BaseAddress,
        };
        using var signedIn = await session.PostAsync("/signin", await FormAsync(session, "/signin", new()
        {
            ["email"] = Owner.Email,
            ["password"] = Owner.Password,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"The demo owner could not sign in: {(int)signedIn.StatusCode}.");
        }

        using var created = await session.PostAsync("/w/demo/api-keys?handler=create", await FormAsync(session, "/w/demo/api-keys", new()
        {
            ["name"] = "Browser tests",
            ["role"] = "admin",
        }));
        var page = await created.Content.ReadAsStringAsync();

        // The first visit of a page pays for JIT compilation; the tests' timeouts should not.
        foreach (var path in (string[])["/w/demo", "/w/demo/users", "/w/demo/audit-log", "/w/demo/whatsapp", "/account"])
        {
            using var warm = await session.GetAsync(path);
        }

        return Secret().Match(page) is { Success: true } secret
            ? WebUtility.HtmlDecode(secret.Groups[1].Value)
            : throw new InvalidOperationException($"No key on the API keys page ({(int)created.StatusCode}):\n{page}");
    }

    /// <summary>The fields of a form on <paramref name="path"/>, with the anti-forgery token the page carries.</summary>
    private static async Task<FormUrlEncodedContent> FormAsync(HttpClient session, string path, Dictionary<string, string> fields)
    {
        var page = await session.GetStringAsync(path);
        fields["__RequestVerificationToken"] = AntiforgeryToken().Match(page).Groups[1].Value;
        return new FormUrlEncodedContent(fields);
    }

    private string Exited()
    {
        if (!process.HasExited)
        {
            return "";
        }

        process.WaitForExit(); // drains the output readers
        return $" (it exited with {process.ExitCode})";
    }

    private sealed record AddedMember(string? InitialPassword);

    [GeneratedRegex(@"name=""__RequestVerificationToken""[^>]*value=""([^""]+)""")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex(@"data-testid=""api-key-secret"">([^<]+)<")]
    private static partial Regex Secret();

    [GeneratedRegex(@"^\s*e-mail:\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Email();

    [GeneratedRegex(@"^\s*password:\s+(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Password();
}
