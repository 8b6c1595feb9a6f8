using System.CommandLine;
using System.Globalization;
using Vigil.Cli.Output;
using Vigil.Client.Contracts;

namespace Vigil.Cli.Releases;

/// <summary><c>vigil release patterns ID [--baseline VERSION]</c>: the release's log templates new, gone or changed in rate.</summary>
internal static class ReleasePatternsCommand
{
    /// <summary>Adds the <c>patterns</c> subcommand to <paramref name="release"/>.</summary>
    public static void AddTo(Command release, CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The release id (see vigil release list)." };
        var baseline = new Option<string?>("--baseline")
        {
            Description = "Compare with this version. Default: the other version of the service that logged most.",
            HelpName = "VERSION",
        };
        var patterns = new Command("patterns", "List the log templates new in a release, gone from it, or changed in rate against its baseline, errors first.")
        {
            id, baseline,
        };
        patterns.SetAction((parseResult, cancellationToken) => context.CallServerAsync(parseResult, async (client, ct) =>
        {
            var response = await client.GetReleasePatternsAsync(parseResult.GetRequiredValue(id), parseResult.GetValue(baseline), ct);
            Write(context.Out, context.Format(parseResult), response);
            return ExitCodes.Success;
        }, cancellationToken));
        release.Subcommands.Add(patterns);
    }

    internal static void Write(TextWriter writer, OutputFormat format, ReleasePatternsResponse response)
    {
        if (format == OutputFormat.Json)
        {
            JsonOutput.Write(writer, response);
            return;
        }

        writer.WriteLine(
            $"{Display.Safe(response.Service)} {Display.Safe(response.Version)} ({Display.Safe(response.Environment)}) vs " +
            (response.BaselineVersion is null ? "no baseline" : Display.Safe(response.BaselineVersion)) +
            $": {Count(response.ReleaseRecords)} vs {Count(response.BaselineRecords)} records, {response.Changes.Count} change(s)");
        var table = new Table("CHANGE", "SEVERITY", "ID", "RELEASE", "BASELINE", "EXPECTED", "TEMPLATE", "EXAMPLE");
        foreach (var change in response.Changes)
        {
            table.Add(
                change.Change,
                change.Severity,
                change.TemplateId.ToString(CultureInfo.InvariantCulture),
                Count(change.ReleaseCount),
                Count(change.BaselineCount),
                change.Change == "new" ? "-" : Count(change.ExpectedCount),
                Display.Safe(change.Template),
                change.Example is null ? string.Empty : Display.Safe(change.Example.Body));
        }

        table.WriteTo(writer);
    }

    private static string Count(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);
}
