namespace Vigil.Core.Anomalies.Nab;

/// <summary>
/// The rows of one data file placed against its labelled windows, as NAB's sweeper sees them: which window each row
/// falls in (or none), what a detection there is worth before weighting, and whether it is past the probationary period.
/// </summary>
public sealed class NabLabelledFile
{
    /// <summary>NAB's probationary share of a file: its first 15% of rows (at most 750) are not scored.</summary>
    public const double ProbationaryPercent = 0.15;

    private NabLabelledFile(string name, int windowCount, int[] window, double[] unweighted, int probationaryLength)
    {
        Name = name;
        WindowCount = windowCount;
        Window = window;
        Unweighted = unweighted;
        ProbationaryLength = probationaryLength;
    }

    /// <summary>The file's name (<c>category/file.csv</c>).</summary>
    public string Name { get; }

    /// <summary>The number of labelled windows in the file, scorable or not (a perfect detector earns A_TP for each).</summary>
    public int WindowCount { get; }

    /// <summary>The number of rows.</summary>
    public int Length => Window.Length;

    /// <summary>The rows before this index are probationary and never scored.</summary>
    public int ProbationaryLength { get; }

    /// <summary>Per row: the index of the window it falls in, or -1 outside every window.</summary>
    internal int[] Window { get; }

    /// <summary>
    /// Per row: the scaled sigmoid of its position. Inside a window it is sigma(-(R - i + 1) / W) (to be divided by
    /// sigma(-1) and multiplied by A_TP); outside, sigma(|R_prev - i| / (W_prev - 1)), or -1 before any window (to be
    /// multiplied by A_FP).
    /// </summary>
    internal double[] Unweighted { get; }

    /// <summary>NAB's scaled sigmoid: 2 / (1 + e^(5x)) - 1, and -1 for x greater than 3.</summary>
    public static double ScaledSigmoid(double x) => x > 3.0 ? -1.0 : (2.0 / (1.0 + Math.Exp(5.0 * x))) - 1.0;

    /// <summary>The probationary length of a file of <paramref name="rows"/> rows: min(floor(0.15 n), 750).</summary>
    public static int ProbationaryLengthOf(int rows) => (int)Math.Min(Math.Floor(ProbationaryPercent * rows), ProbationaryPercent * 5000);

    /// <summary>Places <paramref name="timestamps"/> against <paramref name="windows"/>.</summary>
    /// <exception cref="FormatException">A window's start or end is not one of the file's timestamps, or windows overlap.</exception>
    public static NabLabelledFile Create(string name, IReadOnlyList<DateTime> timestamps, IReadOnlyList<NabWindow> windows)
    {
        var index = new Dictionary<DateTime, int>(timestamps.Count);
        for (var i = 0; i < timestamps.Count; i++)
        {
            index.TryAdd(timestamps[i], i);
        }

        var window = new int[timestamps.Count];
        Array.Fill(window, -1);
        var bounds = new (int Left, int Right)[windows.Count];
        for (var w = 0; w < windows.Count; w++)
        {
            if (!index.TryGetValue(windows[w].Start, out var left) || !index.TryGetValue(windows[w].End, out var right))
            {
                throw new FormatException(
                    $"{name}: window {w} [{windows[w].Start:yyyy-MM-dd HH:mm:ss}, {windows[w].End:yyyy-MM-dd HH:mm:ss}] does not start and end on timestamps of the file.");
            }

            if (w > 0 && left <= bounds[w - 1].Right)
            {
                throw new FormatException($"{name}: window {w} overlaps window {w - 1}.");
            }

            bounds[w] = (left, right);
        }

        var unweighted = new double[timestamps.Count];
        var next = 0;
        var previous = -1;
        for (var i = 0; i < timestamps.Count; i++)
        {
            if (next < bounds.Length && i > bounds[next].Right)
            {
                previous = next;
                next++;
            }

            if (next < bounds.Length && i >= bounds[next].Left)
            {
                var (left, right) = bounds[next];
                double width = right - left + 1;
                window[i] = next;
                unweighted[i] = ScaledSigmoid(-(right - i + 1) / width);
            }
            else if (previous < 0)
            {
                unweighted[i] = -1.0;
            }
            else
            {
                var (left, right) = bounds[previous];
                double width = right - left + 1;
                unweighted[i] = ScaledSigmoid(Math.Abs(right - i) / (width - 1));
            }
        }

        return new NabLabelledFile(name, windows.Count, window, unweighted, ProbationaryLengthOf(timestamps.Count));
    }
}

/// <summary>A detector's scores for one labelled file, one per row.</summary>
/// <param name="File">The labelled file.</param>
/// <param name="Scores">The detector's anomaly scores, one per row of <paramref name="File"/>.</param>
public sealed record NabDetectorOutput(NabLabelledFile File, IReadOnlyList<double> Scores);

/// <summary>The result of scoring a detector on a corpus under one profile.</summary>
/// <param name="Profile">The profile.</param>
/// <param name="Threshold">The threshold the sweep chose: rows scoring at least this much are detections.</param>
/// <param name="Raw">The detector's summed score at that threshold.</param>
/// <param name="Null">The null detector's score (it never detects anything).</param>
/// <param name="Perfect">A perfect detector's score: the number of windows times A_TP.</param>
/// <param name="TruePositives">Detections inside windows at the threshold.</param>
/// <param name="FalsePositives">Detections outside windows at the threshold.</param>
/// <param name="DetectedWindows">Scorable windows with at least one detection.</param>
/// <param name="ScorableWindows">Windows with at least one row past the probationary period.</param>
public sealed record NabScore(
    NabProfile Profile,
    double Threshold,
    double Raw,
    double Null,
    double Perfect,
    int TruePositives,
    int FalsePositives,
    int DetectedWindows,
    int ScorableWindows)
{
    /// <summary>The normalised score, 100 (S - S_null) / (S_perfect - S_null): 0 for the null detector, 100 for a perfect one.</summary>
    public double Normalized => 100.0 * (Raw - Null) / (Perfect - Null);
}

/// <summary>
/// NAB v1.1's scorer: weighs every scorable row as NAB's sweeper does, sweeps one threshold for the whole corpus over
/// every distinct score (highest first) and keeps the best, and normalises against the null and perfect detectors.
/// </summary>
public static class NabScorer
{
    private static readonly double MaxTruePositive = NabLabelledFile.ScaledSigmoid(-1.0);

    /// <summary>Scores <paramref name="outputs"/> under <paramref name="profile"/> with the threshold the sweep finds best.</summary>
    /// <exception cref="ArgumentException">An output's score count differs from its file's row count.</exception>
    public static NabScore Score(IReadOnlyList<NabDetectorOutput> outputs, NabProfile profile)
    {
        var best = Sweep(outputs, profile, fixedThreshold: null);
        var nullScore = Sweep(outputs.Select(o => new NabDetectorOutput(o.File, new ConstantScores(o.File.Length))).ToList(), profile, null);
        var perfect = outputs.Sum(o => o.File.WindowCount) * profile.TruePositiveWeight;
        return best with { Null = nullScore.Raw, Perfect = perfect };
    }

    /// <summary>Scores <paramref name="outputs"/> under <paramref name="profile"/> at a given threshold (rows scoring at least it are detections).</summary>
    public static NabScore ScoreAt(IReadOnlyList<NabDetectorOutput> outputs, NabProfile profile, double threshold)
    {
        var result = Sweep(outputs, profile, threshold);
        var nullScore = Sweep(outputs.Select(o => new NabDetectorOutput(o.File, new ConstantScores(o.File.Length))).ToList(), profile, null);
        var perfect = outputs.Sum(o => o.File.WindowCount) * profile.TruePositiveWeight;
        return result with { Null = nullScore.Raw, Perfect = perfect };
    }

    private static NabScore Sweep(IReadOnlyList<NabDetectorOutput> outputs, NabProfile profile, double? fixedThreshold)
    {
        // Gather every scorable row of the corpus with a corpus-wide window id.
        var total = 0;
        foreach (var output in outputs)
        {
            if (output.Scores.Count != output.File.Length)
            {
                throw new ArgumentException($"{output.File.Name}: {output.Scores.Count} scores for {output.File.Length} rows.", nameof(outputs));
            }

            total += output.File.Length - Math.Min(output.File.Length, output.File.ProbationaryLength);
        }

        var scores = new double[total];
        var weighted = new double[total];
        var windows = new int[total];
        var row = 0;
        var windowBase = 0;
        var windowScores = new List<double>();
        foreach (var output in outputs)
        {
            var file = output.File;
            for (var i = file.ProbationaryLength; i < file.Length; i++)
            {
                scores[row] = output.Scores[i];
                var w = file.Window[i];
                if (w >= 0)
                {
                    windows[row] = windowBase + w;
                    weighted[row] = file.Unweighted[i] * profile.TruePositiveWeight / MaxTruePositive;
                }
                else
                {
                    windows[row] = -1;
                    weighted[row] = file.Unweighted[i] * profile.FalsePositiveWeight;
                }

                row++;
            }

            windowBase += file.WindowCount;
        }

        // A window counts (as -A_FN until detected) only when at least one of its rows is scorable.
        var windowScore = new double[windowBase];
        var scorable = new bool[windowBase];
        foreach (var w in windows)
        {
            if (w >= 0)
            {
                scorable[w] = true;
            }
        }

        var scorableCount = 0;
        for (var w = 0; w < windowBase; w++)
        {
            if (scorable[w])
            {
                windowScore[w] = -profile.FalseNegativeWeight;
                scorableCount++;
            }
        }

        // Highest score first; equal scores are one threshold step. A stable order keeps ties deterministic.
        var order = new int[total];
        for (var i = 0; i < total; i++)
        {
            order[i] = i;
        }

        var keys = (double[])scores.Clone();
        for (var i = 0; i < total; i++)
        {
            keys[i] = -keys[i];
        }

        Array.Sort(keys, order);
        var windowSum = -profile.FalseNegativeWeight * scorableCount;
        var falsePositiveSum = 0.0;
        var truePositives = 0;
        var falsePositives = 0;
        var detected = 0;

        // NAB starts above every score (1.1, nothing detected) and records the total each time the threshold drops.
        var bestThreshold = 1.1;
        var bestScore = falsePositiveSum + windowSum;
        (int Tp, int Fp, int Detected) bestCounts = (0, 0, 0);
        var position = 0;
        while (position < total)
        {
            var threshold = scores[order[position]];
            if (fixedThreshold is { } fixedValue && threshold < fixedValue)
            {
                break;
            }

            for (; position < total && scores[order[position]] == threshold; position++)
            {
                var r = order[position];
                var w = windows[r];
                if (w < 0)
                {
                    falsePositives++;
                    falsePositiveSum += weighted[r];
                }
                else
                {
                    truePositives++;
                    // Only the best detection in a window counts; the first one turns the window from missed to detected.
                    if (windowScore[w] == -profile.FalseNegativeWeight)
                    {
                        detected++;
                    }

                    if (weighted[r] > windowScore[w])
                    {
                        windowSum += weighted[r] - windowScore[w];
                        windowScore[w] = weighted[r];
                    }
                }
            }

            var current = falsePositiveSum + windowSum;
            if (fixedThreshold is not null || current > bestScore)
            {
                bestScore = current;
                bestThreshold = threshold;
                bestCounts = (truePositives, falsePositives, detected);
            }
        }

        if (fixedThreshold is { } requested)
        {
            bestThreshold = requested;
        }

        return new NabScore(profile, bestThreshold, bestScore, 0, 0, bestCounts.Tp, bestCounts.Fp, bestCounts.Detected, scorableCount);
    }

    /// <summary>The null detector's output: the same score on every row, so the sweep can only detect all or nothing.</summary>
    private sealed class ConstantScores(int count) : IReadOnlyList<double>
    {
        public double this[int index] => 0.5;

        public int Count => count;

        public IEnumerator<double> GetEnumerator() => Enumerable.Repeat(0.5, count).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
