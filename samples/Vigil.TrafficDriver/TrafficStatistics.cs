using System.Globalization;
using System.Text;

namespace Vigil.TrafficDriver;

/// <summary>
/// Counts per target since the start, and the latencies of the current report window and of the whole run (bounded:
/// beyond <see cref="MaxLatenciesPerWindow"/> a list keeps counting but stops keeping latencies).
/// </summary>
internal sealed class TrafficStatistics(IReadOnlyList<Target> targets)
{
    /// <summary>At most this many latencies per target per window: 200,000 doubles is 1.6 MB.</summary>
    public const int MaxLatenciesPerWindow = 200_000;

    private readonly object _gate = new();
    private readonly Dictionary<Uri, Counts> _counts = targets.ToDictionary(t => t.Url, _ => new Counts());

    /// <summary>Records one finished request.</summary>
    public void Record(Uri target, bool error, TimeSpan latency)
    {
        lock (_gate)
        {
            var counts = _counts[target];
            counts.Requests++;
            if (error)
            {
                counts.Errors++;
            }

            if (counts.Window.Count < MaxLatenciesPerWindow)
            {
                counts.Window.Add(latency.TotalMilliseconds);
            }

            if (counts.Run.Count < MaxLatenciesPerWindow)
            {
                counts.Run.Add(latency.TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// One summary line (totals since the start; latency percentiles over the window since the last line), and starts
    /// a new window: <c>[10.0s] requests 800 errors 4 (0.50%) p50 21.3ms p95 24.8ms | URL requests 400 errors 4 p50 ...</c>.
    /// The final line (<paramref name="wholeRun"/>) gives the percentiles of the whole run instead.
    /// </summary>
    public string Line(TimeSpan elapsed, string label, bool wholeRun = false)
    {
        lock (_gate)
        {
            List<double> Latencies(Counts c) => wholeRun ? c.Run : c.Window;
            var all = _counts.Values.SelectMany(Latencies).ToList();
            long requests = _counts.Values.Sum(c => c.Requests);
            long errors = _counts.Values.Sum(c => c.Errors);
            var line = new StringBuilder();
            line.Append(CultureInfo.InvariantCulture, $"[{elapsed.TotalSeconds,6:F1}s] {label}requests {requests} errors {errors} ({Ratio(errors, requests)}) ");
            line.Append(CultureInfo.InvariantCulture, $"p50 {Percentile(all, 0.5)} p95 {Percentile(all, 0.95)}");
            if (_counts.Count > 1)
            {
                foreach (var (url, counts) in _counts)
                {
                    line.Append(CultureInfo.InvariantCulture, $" | {url} requests {counts.Requests} errors {counts.Errors} p50 {Percentile(Latencies(counts), 0.5)}");
                }
            }

            foreach (var counts in _counts.Values)
            {
                counts.Window.Clear();
            }

            return line.ToString();
        }
    }

    private static string Ratio(long part, long whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("F2", CultureInfo.InvariantCulture) + "%";

    /// <summary>The nearest-rank percentile of a window, "-" when empty.</summary>
    private static string Percentile(List<double> values, double quantile)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(quantile * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)].ToString("F1", CultureInfo.InvariantCulture) + "ms";
    }

    private sealed class Counts
    {
        public long Requests { get; set; }

        public long Errors { get; set; }

        public List<double> Window { get; } = [];

        public List<double> Run { get; } = [];
    }
}
