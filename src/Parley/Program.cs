using Parley.Data;
using Parley.Hosting;
using Parley.Identity;
using Parley.Web;

// A command (migrate, workspace, user, apikey) takes its own arguments; only serving reads --urls and friends.
var builder = WebApplication.CreateBuilder(Cli.IsCommand(args) ? [] : args);

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
