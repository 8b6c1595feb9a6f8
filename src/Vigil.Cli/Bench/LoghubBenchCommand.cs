using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vigil.Cli.Output;
using Vigil.Core.LogPatterns;
using Vigil.Core.LogPatterns.Evaluation;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench loghub --data DIR [--out DIR]</c>: template quality (GA, FGA, PA, FTA) of the log template miner on
/// Loghub datasets; <c>vigil bench loghub-stream</c>: its single-threaded throughput on a long stream made from them.
/// </summary>
internal static class LoghubBenchCommand
{
    public static Command Create(CliContext context)
    {
        var data = DataOption();
        var output = new Option<string?>("--out")
        {
            Description = "Where to write <N>_predictions.csv (LineId,EventTemplate) per dataset. Default: no files.",
            HelpName = "DIR",
        };
        var similarity = new Option<double?>("--similarity")
        {
            Description = "Experiments only: override the similarity threshold (the product uses the default for every source).",
            Hidden = true,
        };
        var prefix = new Option<int?>("--prefix-tokens") { Description = "Experiments only: override the prefix tokens.", Hidden = true };
        var noMask = new Option<bool>("--no-mask") { Description = "Experiments only: no masking (plain Drain).", Hidden = true };
        var noWiden = new Option<bool>("--no-widen") { Description = "Experiments only: differing tokens become <*> whole.", Hidden = true };
        var command = new Command("loghub", "Score the log template miner on Loghub datasets: GA, FGA, PA, FTA per dataset and averaged.")
        {
            data, output, similarity, prefix, noMask, noWiden,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var options = new LogTemplateMinerOptions();
            if (parseResult.GetValue(similarity) is { } s)
            {
                options.SimilarityThreshold = s;
            }

            if (parseResult.GetValue(prefix) is { } p)
            {
                options.PrefixTokens = p;
            }

            options.MaskVariables = !parseResult.GetValue(noMask);
            options.WidenTokens = !parseResult.GetValue(noWiden);
            var datasets = await LoadAsync(context, parseResult.GetValue(data)!);
            if (datasets is null)
            {
                return ExitCodes.Usage;
            }

            var outDir = parseResult.GetValue(output);
            if (outDir is not null)
            {
                try
                {
                    Directory.CreateDirectory(outDir);
                    // Fail before mining, not after, when the directory cannot be written.
                    var probe = Path.Combine(outDir, ".vigil-write-test");
                    await File.WriteAllTextAsync(probe, "", cancellationToken);
                    File.Delete(probe);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"error: cannot write predictions to '{outDir}': {e.Message}");
                    return ExitCodes.Usage;
                }
            }

            var table = new Table("DATASET", "LINES", "TEMPLATES", "GA", "FGA", "PA", "FTA", "LINES/S");
            var sums = new double[4];
            long totalLines = 0;
            var totalTime = TimeSpan.Zero;
            foreach (var dataset in datasets)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = LoghubEvaluator.Run(dataset, options);
                var (parsed, scores, elapsed) = (result.Parsed, result.Scores, result.MiningTime);
                if (outDir is not null)
                {
                    await WritePredictionsAsync(Path.Combine(outDir, dataset.Name + "_predictions.csv"), dataset, parsed, cancellationToken);
                }

                sums[0] += scores.GroupingAccuracy;
                sums[1] += scores.GroupingF1;
                sums[2] += scores.ParsingAccuracy;
                sums[3] += scores.TemplateF1;
                totalLines += dataset.Contents.Count;
                totalTime += elapsed;
                table.Add(dataset.Name, Count(dataset.Contents.Count), $"{scores.ParsedGroups}/{scores.TrueGroups}",
                    F(scores.GroupingAccuracy), F(scores.GroupingF1), F(scores.ParsingAccuracy), F(scores.TemplateF1),
                    Rate(dataset.Contents.Count, elapsed));
            }

            var k = datasets.Count;
            table.Add("AVERAGE", Count(totalLines), "", F(sums[0] / k), F(sums[1] / k), F(sums[2] / k), F(sums[3] / k), Rate(totalLines, totalTime));
            table.WriteTo(context.Out);
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command CreateStream(CliContext context)
    {
        var data = DataOption();
        var lines = new Option<int>("--lines") { Description = "Lines to stream. Default 1,000,000.", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random digits. Default 7.", DefaultValueFactory = _ => 7 };
        var command = new Command(
            "loghub-stream",
            "Throughput of the miner, single-threaded: the datasets' lines once (first pass), then a long stream of them with every digit run replaced by seeded random digits.")
        {
            data, lines, seed,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var total = parseResult.GetValue(lines);
            if (total < 1)
            {
                await context.Error.WriteLineAsync("error: --lines must be at least 1.");
                return ExitCodes.Usage;
            }

            var datasets = await LoadAsync(context, parseResult.GetValue(data)!);
            if (datasets is null)
            {
                return ExitCodes.Usage;
            }

            var source = datasets.SelectMany(d => d.Contents.Select(c => (d.Name, Content: c))).ToArray();
            // First pass: every line is new to the miner, so templates are being created. Once in a cold process
            // (includes JIT compilation), then with a fresh miner
            // each time, repeated so tiered compilation has optimised the code.
            var (coldTime, coldTemplates) = FirstPass(source);
            var warmRuns = new List<TimeSpan>();
            var warmTemplates = 0;
            for (var repeat = 0; repeat < 25; repeat++)
            {
                (var time, warmTemplates) = FirstPass(source);
                warmRuns.Add(time);
            }

            // The median of the last 10 fresh-miner first passes.
            var warmTime = warmRuns.Skip(15).Order().ElementAt(5);
            var watch = new Stopwatch();

            // The long stream, made in batches so only matching is timed; digit runs get fresh random digits.
            var random = new Random(parseResult.GetValue(seed));
            var streamMiner = new LogTemplateMiner();
            var batch = new (string Name, string Content)[65_536];
            var streamed = 0;
            var streamTime = TimeSpan.Zero;
            var position = 0;
            while (streamed < total)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var size = Math.Min(batch.Length, total - streamed);
                for (var i = 0; i < size; i++)
                {
                    var (name, content) = source[position];
                    position = (position + 1) % source.Length;
                    batch[i] = (name, Redigit(content, random));
                }

                watch.Restart();
                for (var i = 0; i < size; i++)
                {
                    streamMiner.Match(batch[i].Name, batch[i].Content);
                }

                streamTime += watch.Elapsed;
                streamed += size;
            }

            var templates = streamMiner.Services.Sum(streamMiner.TemplateCount);
            var table = new Table("RUN", "LINES", "SECONDS", "LINES/S", "TEMPLATES");
            table.Add("first pass, cold", Count(source.Length), coldTime.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture), Rate(source.Length, coldTime),
                Count(coldTemplates));
            table.Add("first pass, warm", Count(source.Length), warmTime.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture), Rate(source.Length, warmTime),
                Count(warmTemplates));
            table.Add("long stream", Count(streamed), streamTime.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture), Rate(streamed, streamTime), Count(templates));
            table.WriteTo(context.Out);
            return ExitCodes.Success;
        });
        return command;
    }

    private static (TimeSpan Elapsed, int Templates) FirstPass((string Name, string Content)[] source)
    {
        var miner = new LogTemplateMiner();
        var watch = Stopwatch.StartNew();
        foreach (var (name, content) in source)
        {
            miner.Match(name, content);
        }

        var elapsed = watch.Elapsed;
        return (elapsed, miner.Services.Sum(miner.TemplateCount));
    }

    private static Option<string> DataOption() => new("--data")
    {
        Description = "A directory with one folder per Loghub dataset, each holding <N>_2k.log_structured_corrected.csv (or _structured.csv).",
        HelpName = "DIR",
        Required = true,
    };

    private static async Task<IReadOnlyList<LoghubDataset>?> LoadAsync(CliContext context, string directory)
    {
        try
        {
            var datasets = LoghubDataset.LoadAll(directory);
            if (datasets.Count == 0)
            {
                await context.Error.WriteLineAsync($"error: no Loghub dataset under '{directory}': expected folders with <N>_2k.log_structured_corrected.csv.");
                return null;
            }

            return datasets;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            return null;
        }
    }

    private static async Task WritePredictionsAsync(string path, LoghubDataset dataset, IReadOnlyList<string> parsed, CancellationToken cancellationToken)
    {
        var builder = new StringBuilder("LineId,EventTemplate\n");
        for (var i = 0; i < parsed.Count; i++)
        {
            builder.Append(CsvTable.Quote(dataset.LineIds[i])).Append(',').Append(CsvTable.Quote(parsed[i])).Append('\n');
        }

        await File.WriteAllTextAsync(path, builder.ToString(), cancellationToken);
    }

    private static string Redigit(string content, Random random)
    {
        var chars = content.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsAsciiDigit(chars[i]))
            {
                chars[i] = (char)('0' + random.Next(10));
            }
        }

        return new string(chars);
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Rate(long lines, TimeSpan elapsed) =>
        elapsed <= TimeSpan.Zero ? "-" : (lines / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture);
}
