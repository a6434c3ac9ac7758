using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Parley.BrowserTests.Infrastructure;

namespace Parley.BrowserTests;

/// <summary>
/// A real third-party Cloud API client from npm (<c>@kapso/whatsapp-cloud-api</c>, in tests/npm-client)
/// pointed at the sandbox process: what it sends must be accepted with Meta's answers, and recorded.
/// </summary>
public sealed class NpmClientTests
{
    [Fact]
    public async Task NpmCloudApiClient_SendsTextTemplateAndButtons_ToTheSandbox_AndGetsMetasAnswers()
    {
        var script = Path.Combine(NpmClientDirectory(), "check.mjs");
        await using var sandbox = await SandboxServer.StartAsync();
        var number = (await sandbox.Http.GetFromJsonAsync<JsonElement>("/sandbox/api/numbers"))[0];

        var (exitCode, output, error) = await RunNodeAsync(
            script,
            "--base-url", $"{sandbox.BaseUrl}/sandbox/graph",
            "--phone-number-id", number.GetProperty("phoneNumberId").GetString()!,
            "--token", number.GetProperty("accessToken").GetString()!,
            "--to", "+49 151 2345 6789");

        Assert.True(exitCode == 0, $"node check.mjs exited with {exitCode}.\n{output}\n{error}\nSandbox:\n{sandbox.Output}");
        var sent = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("4915123456789", sent.GetProperty("waId").GetString());
        var phone = await sandbox.Http.GetFromJsonAsync<JsonElement>("/sandbox/api/messages?to=4915123456789");
        var received = phone.EnumerateArray().Where(m => m.GetProperty("direction").GetString() == "outbound")
            .Select(m => (Id: m.GetProperty("id").GetString(), Type: m.GetProperty("type").GetString())).ToList();
        Assert.Equal(
            [(sent.GetProperty("text").GetString(), "text"), (sent.GetProperty("template").GetString(), "template"), (sent.GetProperty("interactive").GetString(), "interactive")],
            received);
    }

    /// <summary>tests/npm-client, with its packages installed (./test.sh runs <c>npm ci</c> there).</summary>
    private static string NpmClientDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "npm-client");
            if (File.Exists(Path.Combine(candidate, "check.mjs")))
            {
                Assert.True(Directory.Exists(Path.Combine(candidate, "node_modules", "@kapso")), $"The npm client is not installed: run `npm ci` in {candidate} (./test.sh does).");
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/npm-client/check.mjs not found above " + AppContext.BaseDirectory);
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunNodeAsync(string script, params string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node could not be started; is Node.js installed?");
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"node check.mjs did not finish within 60 seconds.\n{await output}\n{await error}");
        }

        return (node.ExitCode, await output, await error);
    }
}
