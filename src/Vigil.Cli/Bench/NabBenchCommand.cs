using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vigil.Cli.Output;
using Vigil.Core.Anomalies;
using Vigil.Core.Anomalies.Nab;

namespace Vigil.Cli.Bench;

/// <summary>
/// <c>vigil bench nab --data DIR --windows FILE [--out DIR]</c>: streams every CSV under DIR through the default
/// anomaly detector, optionally writes NAB's results layout, scores the outputs with NAB's rules and prints the three
/// normalised scores and the detector's throughput.
/// </summary>
internal static class NabBenchCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<string>("--data")
        {
            Description = "The NAB data folder: <category>/<file>.csv with columns timestamp,value.",
            HelpName = "DIR",
            Required = true,
        };
        var windows = new Option<string>("--windows")
        {
            Description = "The labelled windows, in NAB's combined_windows.json format.",
            HelpName = "FILE",
            Required = true,
        };
        var output = new Option<string?>("--out")
        {
            Description = "Where to write <category>/vigil_<file>.csv (timestamp,value,anomaly_score). Default: not written.",
            HelpName = "DIR",
        };
        var command = new Command("nab", "Score the anomaly detector on the Numenta Anomaly Benchmark (NAB v1.1 rules).") { data, windows, output };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var dataDirectory = parseResult.GetValue(data)!;
            var windowsFile = parseResult.GetValue(windows)!;
            if (!Directory.Exists(dataDirectory))
            {
                await context.Error.WriteLineAsync($"error: --data '{Display.Safe(dataDirectory)}' is not a folder.");
                return ExitCodes.Usage;
            }

            if (!File.Exists(windowsFile))
            {
                await context.Error.WriteLineAsync($"error: --windows '{Display.Safe(windowsFile)}' does not exist.");
                return ExitCodes.Usage;
            }

            IReadOnlyList<NabCorpusFile> corpus;
            try
            {
                var labels = NabWindows.Parse(await File.ReadAllTextAsync(windowsFile, cancellationToken), windowsFile);
                corpus = NabCorpus.Load(dataDirectory, labels);
            }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Usage;
            }

            var run = Run(corpus);
            if (parseResult.GetValue(output) is { } outputDirectory)
            {
                try
                {
                    await WriteResultsAsync(outputDirectory, corpus, run.Scores, cancellationToken);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    await context.Error.WriteLineAsync($"error: cannot write the results under --out '{Display.Safe(outputDirectory)}': {e.Message}");
                    return ExitCodes.Usage;
                }
            }

            var outputs = corpus.Select((file, i) => new NabDetectorOutput(file.Labels, run.Scores[i])).ToList();
            var scores = NabProfile.All.Select(profile => NabScorer.Score(outputs, profile)).ToList();
            var pointsPerSecond = run.Points / run.Elapsed.TotalSeconds;
            if (context.Format(parseResult) == OutputFormat.Json)
            {
                JsonOutput.Write(context.Out, new
                {
                    files = corpus.Count,
                    points = run.Points,
                    pointsPerSecond,
                    profiles = scores.Select(s => new
                    {
                        profile = s.Profile.Name,
                        score = s.Normalized,
                        threshold = s.Threshold,
                        detectedWindows = s.DetectedWindows,
                        windows = s.ScorableWindows,
                        falsePositives = s.FalsePositives,
                    }),
                });
                return ExitCodes.Success;
            }

            var table = new Table("PROFILE", "SCORE", "THRESHOLD", "DETECTED", "FALSE_POSITIVES");
            foreach (var score in scores)
            {
                var profile = score.Profile;
                table.Add(
                    profile.Name,
                    score.Normalized.ToString("F2", CultureInfo.InvariantCulture),
                    score.Threshold.ToString("R", CultureInfo.InvariantCulture),
                    $"{score.DetectedWindows}/{score.ScorableWindows}",
                    score.FalsePositives.ToString(CultureInfo.InvariantCulture));
            }

            table.WriteTo(context.Out);
            await context.Out.WriteLineAsync(
                $"{corpus.Count} files, {run.Points} points, {pointsPerSecond.ToString("N0", CultureInfo.InvariantCulture)} points/s " +
                "(detector only, single-threaded, CSV parsing excluded)");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Scores every file with a fresh default detector, timing only the detector.</summary>
    internal static (double[][] Scores, long Points, TimeSpan Elapsed) Run(IReadOnlyList<NabCorpusFile> corpus)
    {
        var timestamps = corpus.Select(f => f.Data.Timestamps.Select(t => new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeMilliseconds()).ToArray()).ToArray();
        var scores = new double[corpus.Count][];
        long points = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var f = 0; f < corpus.Count; f++)
        {
            var detector = new AnomalyDetector();
            var values = corpus[f].Data.Values;
            var fileScores = scores[f] = new double[values.Length];
            var times = timestamps[f];
            for (var i = 0; i < values.Length; i++)
            {
                fileScores[i] = detector.Observe(times[i], values[i]);
            }

            points += values.Length;
        }

        stopwatch.Stop();
        return (scores, points, stopwatch.Elapsed);
    }

    private static async Task WriteResultsAsync(string directory, IReadOnlyList<NabCorpusFile> corpus, double[][] scores, CancellationToken cancellationToken)
    {
        for (var f = 0; f < corpus.Count; f++)
        {
            var file = corpus[f];
            var folder = Path.Combine(directory, file.Category);
            Directory.CreateDirectory(folder);
            var text = new StringBuilder("timestamp,value,anomaly_score\n");
            for (var i = 0; i < scores[f].Length; i++)
            {
                text.Append(file.Data.Timestamps[i].ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append(',')
                    .Append(file.Data.Values[i].ToString("R", CultureInfo.InvariantCulture)).Append(',')
                    .Append(scores[f][i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }

            await File.WriteAllTextAsync(Path.Combine(folder, $"vigil_{file.FileName}"), text.ToString(), cancellationToken);
        }
    }
}
