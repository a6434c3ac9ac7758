using System.CommandLine;
using Parley.Channels.WhatsApp;
using Parley.Data;
using Parley.Identity;

namespace Parley.Hosting;

/// <summary>
/// The administrative commands of the same program: <c>migrate</c>, <c>workspace create</c>,
/// <c>user create</c>, <c>user reset-password</c>, <c>apikey create</c>. Results go to standard output
/// (a secret alone on the last line, for scripts); problems go to standard error with exit code 1.
/// </summary>
public static class Cli
{
    private static readonly string[] Commands = ["migrate", "workspace", "user", "apikey", "webhooks"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    public static Task<int> InvokeAsync(IServiceProvider services, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var root = new RootCommand("Parley — WhatsApp business messaging. Without a command, Parley serves.");

        var migrate = new Command("migrate", "Apply pending database migrations (a no-op when none are pending).");
        migrate.SetAction(async (_, ct) =>
        {
            var applied = await services.GetRequiredService<Migrator>().MigrateAsync(null, ct);
            await output.WriteLineAsync(applied == 0 ? "The database is up to date." : $"Applied {applied} migration(s).");
            return 0;
        });
        root.Subcommands.Add(migrate);

        var slug = new Option<string>("--slug") { Description = "URL name: lower-case letters, digits, hyphens", Required = true };
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var workspaceCreate = new Command("create", "Create a workspace.") { slug, name };
        workspaceCreate.SetAction((parsed, ct) => InScopeAsync(services, null, error, async (scope, _) =>
        {
            var created = await scope.GetRequiredService<Workspaces>().CreateAsync(parsed.GetValue(slug), parsed.GetValue(name), Actor.CommandLine, ct);
            return await ReportAsync(created, error, async w => await output.WriteLineAsync($"Created workspace '{w.Slug}' ({w.Name})."));
        }, ct));
        root.Subcommands.Add(new Command("workspace", "Manage workspaces.") { workspaceCreate });

        var workspace = new Option<string>("--workspace") { Description = "Workspace slug", Required = true };
        var email = new Option<string>("--email") { Description = "E-mail address", Required = true };
        var role = new Option<string>("--role") { Description = $"One of: {Roles.Names}", Required = true };
        var displayName = new Option<string?>("--name") { Description = "Display name (defaults to the part before @)" };
        var userCreate = new Command("create", "Add a person to a workspace; a new account gets a generated password.") { workspace, email, role, displayName };
        userCreate.SetAction((parsed, ct) => InScopeAsync(services, parsed.GetValue(workspace), error, async (scope, _) =>
        {
            var added = await scope.GetRequiredService<Members>().AddAsync(parsed.GetValue(email), parsed.GetValue(displayName), parsed.GetValue(role), ct);
            return await ReportAsync(added, error, async a =>
            {
                if (a.InitialPassword is null)
                {
                    await output.WriteLineAsync($"Added existing account {a.Member.Email} as {a.Member.Role}; it keeps its password.");
                }
                else
                {
                    await output.WriteLineAsync($"Created {a.Member.Email} as {a.Member.Role}. Password (shown once):");
                    await output.WriteLineAsync(a.InitialPassword);
                }
            });
        }, ct));

        var resetEmail = new Option<string>("--email") { Description = "E-mail address", Required = true };
        var reset = new Command("reset-password", "Give an account a new generated password and sign it out everywhere.") { resetEmail };
        reset.SetAction((parsed, ct) => InScopeAsync(services, null, error, async (scope, _) =>
        {
            var result = await scope.GetRequiredService<SignInService>().ResetPasswordAsync(parsed.GetValue(resetEmail) ?? "", ct);
            return await ReportAsync(result, error, async password =>
            {
                await output.WriteLineAsync("New password (shown once):");
                await output.WriteLineAsync(password);
            });
        }, ct));
        root.Subcommands.Add(new Command("user", "Manage people.") { userCreate, reset });

        var keyWorkspace = new Option<string>("--workspace") { Description = "Workspace slug", Required = true };
        var keyRole = new Option<string>("--role") { Description = "Role of the key (not owner)", Required = true };
        var keyName = new Option<string?>("--name") { Description = "What the key is for" };
        var keyCreate = new Command("create", "Create an API key; the key is printed alone on the last line.") { keyWorkspace, keyRole, keyName };
        keyCreate.SetAction((parsed, ct) => InScopeAsync(services, parsed.GetValue(keyWorkspace), error, async (scope, _) =>
        {
            var created = await scope.GetRequiredService<ApiKeys>().CreateAsync(parsed.GetValue(keyName) ?? "Command line", parsed.GetValue(keyRole), ct);
            return await ReportAsync(created, error, async k =>
            {
                await output.WriteLineAsync($"Created API key '{k.Key.Name}' ({k.Key.Role}). It is shown once:");
                await output.WriteLineAsync(k.Secret);
            });
        }, ct));
        root.Subcommands.Add(new Command("apikey", "Manage API keys.") { keyCreate });

        var deadLetters = new Command("dead-letters", "List webhook deliveries that could not be processed.");
        deadLetters.SetAction((_, ct) => InScopeAsync(services, null, error, async (scope, _) =>
        {
            var letters = await scope.GetRequiredService<DeadLetters>().ListAsync(ct);
            await output.WriteLineAsync(letters.Count == 0 ? "No dead letters." : $"{letters.Count} dead letter(s):");
            foreach (var letter in letters)
            {
                await output.WriteLineAsync($"#{letter.Id}  received {letter.ReceivedAt:u}  {letter.Bytes} bytes  {letter.Reason}");
            }

            return 0;
        }, ct));
        var replayId = new Option<long?>("--id") { Description = "Replay one dead letter (default: all)" };
        var replay = new Command("replay", "Process dead letters again, e.g. after an update that understands them.") { replayId };
        replay.SetAction((parsed, ct) => InScopeAsync(services, null, error, async (scope, _) =>
        {
            var count = await scope.GetRequiredService<DeadLetters>().ReplayAsync(parsed.GetValue(replayId), ct);
            await output.WriteLineAsync($"Queued {count} delivery(ies) for processing; a running Parley picks them up.");
            return 0;
        }, ct));
        root.Subcommands.Add(new Command("webhooks", "Inspect webhook intake.") { deadLetters, replay });

        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    private static async Task<int> InScopeAsync(
        IServiceProvider services, string? workspaceSlug, TextWriter error,
        Func<IServiceProvider, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        if (workspaceSlug is not null && !await scope.ServiceProvider.GetRequiredService<Workspaces>().EnterAsync(workspaceSlug, Actor.CommandLine, cancellationToken))
        {
            await error.WriteLineAsync($"There is no workspace with the slug '{workspaceSlug}'.");
            return 1;
        }

        return await action(scope.ServiceProvider, cancellationToken);
    }

    private static async Task<int> ReportAsync<T>(Outcome<T> outcome, TextWriter error, Func<T, Task> onSuccess)
    {
        if (outcome.Error is { } problem)
        {
            await error.WriteLineAsync(problem.Field is null ? problem.Message : $"--{problem.Field}: {problem.Message}");
            return 1;
        }

        await onSuccess(outcome.Value!);
        return 0;
    }
}
