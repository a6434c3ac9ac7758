namespace Parley.Sandbox;

/// <summary>
/// The sandbox on its own, e.g. for crash tests where Parley is killed while the sandbox keeps retrying:
/// <c>dotnet Parley.Sandbox.dll --urls http://127.0.0.1:5100 --Sandbox:WebhookUrl=http://127.0.0.1:5000/webhooks/whatsapp</c>.
/// </summary>
internal static class SandboxProgram
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddSandbox(builder.Configuration);
        var app = builder.Build();
        app.MapSandbox();
        app.Run();
    }
}
