using System.CommandLine;
using Vigil.Cli.Arguments;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;
using Vigil.Core.Releases;
using Vigil.Storage.State;

namespace Vigil.Cli.Releases;

/// <summary>
/// <c>vigil release create|list|get</c> (and, from <see cref="ReleaseVerifyCommand"/>, <c>verify|abort|override</c>).
/// <c>create</c> is what a CI pipeline runs after a deploy; it is idempotent, so a retried job is harmless.
/// </summary>
internal static class ReleaseCommand
{
    /// <summary>The JSON shape of <c>vigil release get -o json</c>: the release and its timeline, oldest event first.</summary>
    internal sealed record ReleaseWithTimeline(ReleaseDto Release, IReadOnlyList<ReleaseEventDto> Timeline);

    private static readonly string[] States = Enum.GetValues<ReleaseState>().Select(SqliteReleaseStore.StateText).ToArray();

    public static Command Create(CliContext context)
    {
        var release = new Command("release", "Record releases (deployments) and follow their verification.")
        {
            CreateCommand(context),
            ListCommand(context),
            GetCommand(context),
        };
        ReleaseVerifyCommand.AddTo(release, context);
        ReleasePatternsCommand.AddTo(release, context);
        return release;
    }

    private static Command CreateCommand(CliContext context)
    {
        var service = Required("--service", "The service, as its telemetry's service.name.", "NAME");
        var version = Required("--version", "The version deployed, as its telemetry's service.version.", "VERSION");
        var environment = Required("--environment", "The environment, as its telemetry's deployment.environment.name.", "ENV");
        var commit = CliOptions.Text("--commit", "The commit deployed.", "SHA");
        var author = CliOptions.Text("--author", "Who made or shipped the change.", "NAME");
        var notes = CliOptions.Text("--notes", "Free text: what changed.", "TEXT");
        var links = new Option<ReleaseLinkDto[]>("--link")
        {
            Description = "A link to attach, such as PR=https://git.example/pr/7; repeat for more.",
            HelpName = "TITLE=URL",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result =>
            {
                var parsed = new List<ReleaseLinkDto>();
                foreach (var token in result.Tokens)
                {
                    var text = token.Value;
                    var equals = text.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0 || equals == text.Length - 1)
                    {
                        result.AddError($"'{Display.Safe(text)}' is not a link for --link: use TITLE=URL, like PR=https://git.example/pr/7.");
                        return [];
                    }

                    parsed.Add(new ReleaseLinkDto(text[..equals], text[(equals + 1)..]));
                }

                return [.. parsed];
            },
        };
        var startedAt = CliOptions.Time("--started-at", "When the rollout started. Default: now (the server's clock).");

        var command = new Command("create", "Record a release; repeating it for the same service, version and environment returns the same release.")
        {
            service, version, environment, commit, author, notes, links, startedAt,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var request = new CreateReleaseRequest(
                parseResult.GetRequiredValue(service),
                parseResult.GetRequiredValue(version),
                parseResult.GetRequiredValue(environment),
                parseResult.GetValue(commit),
                parseResult.GetValue(author),
                parseResult.GetValue(notes),
                parseResult.GetValue(links) is { Length: > 0 } given ? given : null,
                parseResult.GetValue(startedAt));

            // The same checks as the server, so a typo fails fast as a usage error; the start time is the server's to judge.
            var draft = new NewRelease(
                request.Service, request.Version, request.Environment, request.Commit, request.Author, request.Notes,
                request.Links?.Select(l => new ReleaseLink(l.Title, l.Url)).ToList());
            if (SqliteReleaseStore.Check(draft, context.Environment.Time.GetUtcNow()) is { } error)
            {
                await context.Error.WriteLineAsync($"error: {OptionOf(error.Field)}: {error.Reason}.");
                await context.Error.WriteLineAsync("Run 'vigil release create --help' for usage.");
                return ExitCodes.Usage;
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var created = await client.CreateReleaseAsync(request, ct);
                WriteRelease(context, parseResult, created);
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    private static Command ListCommand(CliContext context)
    {
        var service = CliOptions.Text("--service", "Only releases of this service.", "NAME");
        var environment = CliOptions.Text("--environment", "Only releases in this environment.", "ENV");
        var state = CliOptions.OneOf("--state", "Only releases in this state.", States);
        var limit = CliOptions.Limit($"The most releases to list. Default: 100; at most {SqliteReleaseStore.MaxListLimit}.");

        var command = new Command("list", "List releases, newest start first.") { service, environment, state, limit };
        command.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var response = await client.ListReleasesAsync(
                parseResult.GetValue(service), parseResult.GetValue(environment), parseResult.GetValue(state), parseResult.GetValue(limit), ct);
            WriteList(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command GetCommand(CliContext context)
    {
        var id = new Argument<string>("ID") { Description = "The release's id, such as rel_0123456789abcdef (see 'vigil release list')." };
        var command = new Command("get", "Show one release and its timeline.") { id };
        command.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var releaseId = parseResult.GetRequiredValue(id);
            var release = await client.GetReleaseAsync(releaseId, ct);
            var timeline = await client.GetReleaseTimelineAsync(releaseId, ct);
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                JsonOutput.Write(context.Out, new ReleaseWithTimeline(release, timeline.Events));
                return ExitCodes.Success;
            }

            WriteFields(context.Out, release);
            context.Out.WriteLine();
            var table = new Table("AT", "KIND", "ACTOR", "MESSAGE");
            foreach (var e in timeline.Events)
            {
                table.Add(Display.Time(e.At), e.Kind, e.Actor, e.Message);
            }

            table.WriteTo(context.Out);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    internal static void WriteList(TextWriter writer, OutputFormat format, ReleasesResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        var table = new Table("ID", "SERVICE", "VERSION", "ENVIRONMENT", "STATE", "SOURCE", "STARTED", "COMMIT");
        foreach (var r in response.Releases)
        {
            table.Add(r.Id, r.Service, r.Version, r.Environment, r.State, r.Source, Display.Time(r.StartedAt), r.Commit);
        }

        table.WriteTo(writer);
    }

    private static void WriteRelease(CliContext context, ParseResult parseResult, ReleaseDto release)
    {
        if (context.Format(parseResult) == OutputFormat.Json)
        {
            JsonOutput.Write(context.Out, release);
        }
        else
        {
            WriteFields(context.Out, release);
        }
    }

    private static void WriteFields(TextWriter writer, ReleaseDto release)
    {
        var table = new Table("FIELD", "VALUE");
        table.Add("id", release.Id);
        table.Add("service", release.Service);
        table.Add("version", release.Version);
        table.Add("environment", release.Environment);
        table.Add("state", release.State);
        table.Add("source", release.Source);
        table.Add("started", Display.Time(release.StartedAt));
        table.Add("created", Display.Time(release.CreatedAt));
        table.Add("commit", release.Commit);
        table.Add("author", release.Author);
        table.Add("notes", release.Notes);
        foreach (var link in release.Links)
        {
            table.Add("link", $"{link.Title} {link.Url}");
        }

        table.WriteTo(writer);
    }

    private static Option<string> Required(string name, string description, string helpName) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    // A field of the API as the option that sets it: links[2].url is the third --link.
    private static string OptionOf(string field) => field switch
    {
        "service" or "version" or "environment" or "commit" or "author" or "notes" => "--" + field,
        "startedAt" => "--started-at",
        _ when field.StartsWith("links[", StringComparison.Ordinal) && int.TryParse(
            field.AsSpan(6, field.IndexOf(']', StringComparison.Ordinal) - 6), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var index) => $"--link #{index + 1}",
        _ => "--link",
    };
}
