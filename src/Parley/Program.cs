using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Web;

// A command (migrate, workspace, user, apikey) takes its own arguments; only serving reads --urls and friends.
// The content root is the build output, so appsettings.json and wwwroot are found from any working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = Cli.IsCommand(args) ? [] : args,
    ContentRootPath = AppContext.BaseDirectory,
});

builder.AddHosting();
builder.AddData();
builder.AddIdentityFeature();
builder.AddWeb();

var app = builder.Build();

app.UseHosting();
app.UseWeb();
app.MapData();
app.MapApi();
app.MapWeb();

return await app.RunParleyAsync(args);

public partial class Program;
