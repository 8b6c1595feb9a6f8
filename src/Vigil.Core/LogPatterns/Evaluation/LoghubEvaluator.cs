using System.Diagnostics;

namespace Vigil.Core.LogPatterns.Evaluation;

/// <summary>The outcome of mining one Loghub dataset.</summary>
/// <param name="Dataset">The dataset.</param>
/// <param name="Parsed">Each message's template as it stands after the whole dataset (later lines may widen or merge it).</param>
/// <param name="Scores">GA, FGA, PA and FTA against the dataset's templates.</param>
/// <param name="MiningTime">Time spent in <see cref="LogTemplateMiner.Match"/> only.</param>
public sealed record LoghubResult(LoghubDataset Dataset, IReadOnlyList<string> Parsed, LoghubScores Scores, TimeSpan MiningTime);

/// <summary>Feeds a Loghub dataset's messages in order through a fresh <see cref="LogTemplateMiner"/> and scores the result.</summary>
public static class LoghubEvaluator
{
    /// <summary>Mines <paramref name="dataset"/> with <paramref name="options"/> (default: the product defaults) and scores it.</summary>
    public static LoghubResult Run(LoghubDataset dataset, LogTemplateMinerOptions? options = null)
    {
        var miner = new LogTemplateMiner(options);
        var ids = new TemplateId[dataset.Contents.Count];
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = miner.Match(dataset.Name, dataset.Contents[i]).Id;
        }

        var elapsed = watch.Elapsed;
        var parsed = ids.Select(id => miner.GetTemplate(dataset.Name, id)?.Template ?? string.Empty).ToList();
        return new LoghubResult(dataset, parsed, LoghubMetrics.Compute(dataset.Templates, parsed), elapsed);
    }
}
