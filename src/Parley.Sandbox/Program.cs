namespace Parley.Sandbox;

/// <summary>
/// The sandbox on its own, e.g. for crash tests where Parley is killed while the sandbox keeps retrying:
/// <c>dotnet Parley.Sandbox.dll --urls http://127.0.0.1:5100 --Sandbox:WebhookUrl=http://127.0.0.1:5000/webhooks/whatsapp</c>.
/// </summary>
internal static class SandboxProgram
{
    public static void Main(string[] args)
    {
        // The content root is the build output: from the working directory, the host would watch it and every
        // folder below for changed settings files (a data directory there included, with each of its writes).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddSandbox(builder.Configuration);
        var app = builder.Build();
        app.MapSandbox();
        app.Run();
    }
}
