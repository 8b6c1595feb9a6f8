using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Cli.Output;
using Vigil.Client;
using Vigil.Client.Contracts;
using Vigil.Core.Declarative;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;
using Vigil.Server.Drift;

namespace Vigil.Cli.Drift;

/// <summary>
/// <c>vigil drift compare LEFT RIGHT</c>: the drift report between the newest snapshots of two environments (or one
/// environment at two times, <c>prod@2026-11-01 prod</c>) from the server, or offline between two files written by
/// <c>vigil drift snapshot --out</c>. Prints a table grouped by category, JSON, or Markdown for a pull-request
/// comment; <c>--fail-on high|medium</c> exits 1 when drift of that risk or above exists, so CI can gate promotion.
/// </summary>
internal static class DriftCompareCommand
{
    /// <summary>The most rows the Markdown report lists; a pull-request comment holds about 65,000 characters.</summary>
    internal const int MaxMarkdownRows = 150;

    /// <summary>The longest value shown in a table or Markdown cell; JSON has them whole.</summary>
    internal const int MaxCellValue = 60;

    /// <summary>The largest snapshot file read offline: 256 MiB.</summary>
    private const long MaxFileBytes = 256L * 1024 * 1024;

    /// <summary>Adds <c>compare</c> to <paramref name="drift"/>.</summary>
    public static void AddTo(Command drift, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(drift);
        ArgumentNullException.ThrowIfNull(context);
        var left = new Argument<string?>("LEFT")
        {
            Description = "The reference environment (uat), or ENV@TIME for its newest snapshot at or before a date or RFC 3339 time (prod@2026-11-01).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var right = new Argument<string?>("RIGHT")
        {
            Description = "The environment checked against it (prod), same syntax.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var service = new Option<string?>("--service") { Description = "Compare the snapshots taken for this service. Default: those taken without --service.", HelpName = "NAME" };
        var output = new Option<string>("--output", "-o")
        {
            Description = "table for people, json for scripts, markdown for a pull-request comment.",
            HelpName = "table|json|markdown",
            DefaultValueFactory = _ => "table",
        };
        output.AcceptOnlyFromAmong("table", "json", "markdown");
        var failOn = new Option<string?>("--fail-on") { Description = "Exit 1 when drift of this risk or higher exists (medium: medium or high).", HelpName = "high|medium" };
        failOn.AcceptOnlyFromAmong("high", "medium");
        var leftFile = new Option<FileInfo?>("--left-file") { Description = "Compare offline: the left snapshot, a file written by 'vigil drift snapshot --out'.", HelpName = "FILE" };
        var rightFile = new Option<FileInfo?>("--right-file") { Description = "Compare offline: the right snapshot file.", HelpName = "FILE" };
        var policies = new Option<FileInfo[]>("--policy")
        {
            Description = "Offline only: a YAML file of DriftPolicy documents declaring expected differences; repeat for more. (The server applies the policies applied with 'vigil apply'.)",
            HelpName = "FILE",
        };

        var command = new Command("compare", "Compare two environments' snapshots: every difference with its risk and why it matters.")
        {
            left, right, service, output, failOn, leftFile, rightFile, policies,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var format = parseResult.GetValue(output) ?? "table";
            var threshold = parseResult.GetValue(failOn) switch { "high" => (int?)2, "medium" => 1, _ => null };
            var files = (parseResult.GetValue(leftFile), parseResult.GetValue(rightFile));
            var (leftText, rightText) = (parseResult.GetValue(left), parseResult.GetValue(right));
            var policyFiles = parseResult.GetValue(policies) ?? [];

            if (files.Item1 is not null || files.Item2 is not null)
            {
                if (files.Item1 is null || files.Item2 is null)
                {
                    return await UsageAsync(context, "give both --left-file and --right-file to compare offline.");
                }

                if (leftText is not null || rightText is not null || parseResult.GetValue(service) is not null)
                {
                    return await UsageAsync(context, "LEFT, RIGHT and --service are for snapshots on the server; with --left-file and --right-file the files say what they hold.");
                }

                var report = await CompareFilesAsync(context, files.Item1, files.Item2, policyFiles, cancellationToken);
                return report is null ? ExitCodes.Usage : Finish(context, report, format, threshold);
            }

            if (policyFiles.Length > 0)
            {
                return await UsageAsync(context, "--policy is for offline compares; the server applies the DriftPolicy objects applied with 'vigil apply'.");
            }

            if (leftText is null || rightText is null)
            {
                return await UsageAsync(context, "give two environments (vigil drift compare uat prod), or --left-file and --right-file.");
            }

            foreach (var (name, text) in new[] { ("LEFT", leftText), ("RIGHT", rightText) })
            {
                if (!DriftSide.TryParse(text, out _, out var error))
                {
                    return await UsageAsync(context, $"{name}: {error}.");
                }
            }

            return await context.CallServerAsync(parseResult, async (client, ct) =>
            {
                var report = await client.CompareDriftAsync(leftText, rightText, parseResult.GetValue(service), ct);
                return Finish(context, report, format, threshold);
            }, cancellationToken);
        });
        drift.Subcommands.Add(command);
    }

    private static async Task<int> UsageAsync(CliContext context, string message)
    {
        await context.Error.WriteLineAsync($"error: {message}");
        await context.Error.WriteLineAsync("Run 'vigil drift compare --help' for usage.");
        return ExitCodes.Usage;
    }

    /// <summary>Prints the report and answers the exit code of <c>--fail-on</c>.</summary>
    private static int Finish(CliContext context, DriftReportDto report, string format, int? threshold)
    {
        switch (format)
        {
            case "json":
                JsonOutput.Write(context.Out, report);
                break;
            case "markdown":
                context.Out.Write(Markdown(report));
                break;
            default:
                WriteTable(context.Out, report);
                break;
        }

        return threshold is { } t && report.Items.Any(i => Rank(i.Risk) >= t) ? ExitCodes.Failed : ExitCodes.Success;
    }

    private static async Task<DriftReportDto?> CompareFilesAsync(CliContext context, FileInfo leftFile, FileInfo rightFile, FileInfo[] policyFiles, CancellationToken cancellationToken)
    {
        var now = context.Environment.Time.GetUtcNow();
        var sides = new List<Vigil.Core.Drift.DriftSnapshot>();
        foreach (var file in new[] { leftFile, rightFile })
        {
            var (snapshot, error) = await ReadSnapshotAsync(file, now, cancellationToken);
            if (snapshot is null)
            {
                await context.Error.WriteLineAsync($"error: {Display.Safe(file.FullName)}: {Display.Safe(error!)}");
                return null;
            }

            sides.Add(snapshot);
        }

        var policyList = new List<DriftPolicy>();
        var errors = new List<DocumentError>();
        foreach (var file in policyFiles)
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(file.FullName, cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new DocumentError(file.FullName, 0, 0, $"cannot read: {ex.Message}"));
                continue;
            }

            foreach (var document in YamlDocuments.Split(file.FullName, text))
            {
                if (DriftPolicyYaml.Parse(document.File, document.Text, errors, document.LineOffset) is { } policy)
                {
                    policyList.Add(policy);
                }
            }
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await context.Error.WriteLineAsync(Display.Safe(error.ToString()));
            }

            return null;
        }

        var report = new DriftComparer(policyList).Compare(sides[0], sides[1]);
        return DriftMapping.ToDto(report);
    }

    private static async Task<(Vigil.Core.Drift.DriftSnapshot? Snapshot, string? Error)> ReadSnapshotAsync(FileInfo file, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            if (file.Length > MaxFileBytes)
            {
                return (null, $"larger than {MaxFileBytes / (1024 * 1024)} MiB; not a snapshot file");
            }

            await using var stream = file.OpenRead();
            var dto = await JsonSerializer.DeserializeAsync<DriftSnapshotDto>(stream, VigilJson.Options, cancellationToken);
            if (dto is null)
            {
                return (null, "not a snapshot (the file holds null)");
            }

            return DriftMapping.Check(dto, now) is var (field, reason)
                ? (null, $"{field}: {reason}")
                : (DriftMapping.ToModel(dto), null);
        }
        catch (JsonException ex)
        {
            return (null, $"not a snapshot written by 'vigil drift snapshot --out' ({ex.Path}, line {ex.LineNumber + 1}): {ex.Message.Split('.')[0]}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read: {ex.Message}");
        }
    }

    internal static int Rank(string risk) => risk switch { "high" => 2, "medium" => 1, _ => 0 };

    /// <summary>A headline, then one table per category (riskiest category first), then the notes.</summary>
    internal static void WriteTable(TextWriter writer, DriftReportDto report)
    {
        writer.WriteLine(Headline(report));
        foreach (var group in Groups(report))
        {
            writer.WriteLine();
            writer.WriteLine($"{group.Key} ({Counts(group.ToList())})");
            var table = new Table("RISK", "CHANGE", "KEY", $"{report.Left} → {report.Right}", "WHY");
            foreach (var item in group)
            {
                table.Add(item.Risk, item.Change, item.Key, $"{Cell(item.Left)} → {Cell(item.Right)}", item.Why);
            }

            table.WriteTo(writer);
        }

        if (report.Notes is { Count: > 0 } notes)
        {
            writer.WriteLine();
            foreach (var note in notes)
            {
                writer.WriteLine("note: " + Display.Safe(note));
            }
        }
    }

    /// <summary>GitHub-flavoured Markdown: a heading, the counts, one table (riskiest first), the notes.</summary>
    internal static string Markdown(DriftReportDto report)
    {
        var md = new StringBuilder();
        md.Append("### Drift: ").Append(Escape(report.Left)).Append(" → ").Append(Escape(report.Right)).Append('\n').Append('\n');
        md.Append(Escape(Headline(report))).Append('\n');
        if (report.Items.Count > 0)
        {
            md.Append('\n');
            md.Append("| Risk | Change | Category | Key | ").Append(Escape(report.Left)).Append(" | ").Append(Escape(report.Right)).Append(" | Why |\n");
            md.Append("|---|---|---|---|---|---|---|\n");
            foreach (var item in report.Items.Take(MaxMarkdownRows))
            {
                var risk = item.Risk == "high" ? "**high**" : item.Risk;
                md.Append(CultureInfo.InvariantCulture, $"| {risk} | {item.Change} | {Escape(item.Category)} | {Code(item.Key)} | {Code(item.Left)} | {Code(item.Right)} | {Escape(item.Why)} |\n");
            }

            if (report.Items.Count > MaxMarkdownRows)
            {
                md.Append(CultureInfo.InvariantCulture, $"\n…and {report.Items.Count - MaxMarkdownRows} more (run `vigil drift compare` for all).\n");
            }
        }

        if (report.Notes is { Count: > 0 } notes)
        {
            md.Append('\n');
            foreach (var note in notes)
            {
                md.Append("- ").Append(Escape(note)).Append('\n');
            }
        }

        return md.ToString();
    }

    private static IEnumerable<IGrouping<string, DriftItemDto>> Groups(DriftReportDto report) =>
        report.Items.GroupBy(i => i.Category, StringComparer.Ordinal)
            .OrderByDescending(g => g.Max(i => Rank(i.Risk)))
            .ThenBy(g => g.Key, StringComparer.Ordinal);

    private static string Headline(DriftReportDto report)
    {
        var when = $"{report.Left} taken {Display.Time(report.LeftTakenAt)}, {report.Right} taken {Display.Time(report.RightTakenAt)}";
        var ignored = report.Ignored > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {report.Ignored} expected difference(s) ignored by policy") : string.Empty;
        return report.Items.Count == 0
            ? $"No drift between {report.Left} and {report.Right} ({when}){ignored}."
            : $"{Counts(report.Items)} between {report.Left} and {report.Right} ({when}){ignored}.";
    }

    private static string Counts(IReadOnlyCollection<DriftItemDto> items) => string.Create(CultureInfo.InvariantCulture,
        $"{items.Count(i => i.Risk == "high")} high, {items.Count(i => i.Risk == "medium")} medium, {items.Count(i => i.Risk == "low")} low");

    private static string Cell(string? value) =>
        value is null ? "-" : value.Length <= MaxCellValue ? value : value[..(MaxCellValue - 1)] + "…";

    /// <summary>Text safe in a Markdown table cell: no pipes, line breaks or HTML.</summary>
    private static string Escape(string text) => Display.Safe(text)
        .Replace("\\n", " ", StringComparison.Ordinal)
        .Replace("|", "\\|", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>A value as inline code (a dash when absent), with a fence longer than any backtick run inside.</summary>
    private static string Code(string? value)
    {
        if (value is null)
        {
            return "–";
        }

        var text = Display.Safe(Cell(value)).Replace("|", "\\|", StringComparison.Ordinal);
        var longest = 0;
        var run = 0;
        foreach (var ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        var fence = new string('`', longest + 1);
        var pad = text.StartsWith('`') || text.EndsWith('`') ? " " : string.Empty;
        return $"{fence}{pad}{text}{pad}{fence}";
    }
}
