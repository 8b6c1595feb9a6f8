using System.Globalization;
using System.Text;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

namespace Vigil.Server.Ui.Data;

/// <summary>
/// The PromQL behind the UI's RED views (rate, errors, duration) over the span metrics, and the step grid their range
/// queries are read onto. Queries group by labels (<c>by (service_name, deployment_environment_name)</c> on the
/// overview) so a page costs a few evaluations however many services there are.
/// </summary>
public static class ServiceRedQueries
{
    /// <summary>The span-metric call counter.</summary>
    public const string Calls = "traces_span_metrics_calls_total";

    /// <summary>The span-metric duration histogram's buckets.</summary>
    public const string DurationBuckets = "traces_span_metrics_duration_seconds_bucket";

    /// <summary>The service label.</summary>
    public const string ServiceLabel = "service_name";

    /// <summary>The environment label.</summary>
    public const string EnvironmentLabel = "deployment_environment_name";

    /// <summary>The version label.</summary>
    public const string VersionLabel = "service_version";

    /// <summary>Requests a service serves: server and consumer spans, as in the default verification plan.</summary>
    public const string ServedSpans = "span_kind=~\"SPAN_KIND_SERVER|SPAN_KIND_CONSUMER\"";

    /// <summary>The status of a failed span.</summary>
    public const string ErrorStatus = "status_code=\"STATUS_CODE_ERROR\"";

    /// <summary>How far back "live" looks: a version is live when it served requests in the last 5 minutes.</summary>
    public static readonly TimeSpan LiveWindow = TimeSpan.FromMinutes(5);

    /// <summary>The shortest rate window: 2 minutes, so a window holds several flushes even at the default 15 s flush interval.</summary>
    public static readonly TimeSpan MinRateWindow = TimeSpan.FromMinutes(2);

    /// <summary>Requests per second, summed by <paramref name="by"/>.</summary>
    public static string RequestRate(string by, string filter, TimeSpan window) =>
        $"sum by ({by}) (rate({Calls}{{{Join(filter, ServedSpans)}}}[{Duration(window)}]))";

    /// <summary>Failed requests per second, summed by <paramref name="by"/>.</summary>
    public static string ErrorRate(string by, string filter, TimeSpan window) =>
        $"sum by ({by}) (rate({Calls}{{{Join(filter, ServedSpans, ErrorStatus)}}}[{Duration(window)}]))";

    /// <summary>The <paramref name="quantile"/> of request duration in seconds, by <paramref name="by"/>.</summary>
    public static string Latency(double quantile, string by, string filter, TimeSpan window) =>
        string.Create(CultureInfo.InvariantCulture,
            $"histogram_quantile({quantile}, sum by ({by}, le) (rate({DurationBuckets}{{{Join(filter, ServedSpans)}}}[{Duration(window)}])))");

    /// <summary>Requests served in the last <see cref="LiveWindow"/>, by <paramref name="by"/> (all span kinds: any traffic counts).</summary>
    public static string RecentCalls(string by, string filter) =>
        $"sum by ({by}) (increase({Calls}{(filter.Length > 0 ? "{" + filter + "}" : string.Empty)}[{Duration(LiveWindow)}]))";

    /// <summary>A label matcher text <c>name="value"</c>, the value quoted and escaped as PromQL reads it.</summary>
    public static string Equal(string name, string value) => $"{name}={Quote(value)}";

    /// <summary>A PromQL string literal.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                '\r' => text.Append(@"\r"),
                '\t' => text.Append(@"\t"),
                _ => text.Append(c),
            };
        }

        return text.Append('"').ToString();
    }

    /// <summary>A duration as PromQL writes it (<c>90s</c>, <c>5m</c>, <c>1h</c>).</summary>
    public static string Duration(TimeSpan span)
    {
        var seconds = (long)span.TotalSeconds;
        return seconds % 3600 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600}h")
            : seconds % 60 == 0 ? string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}m")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds}s");
    }

    /// <summary>The rate window for a step: the step itself, but never under <see cref="MinRateWindow"/>.</summary>
    public static TimeSpan RateWindow(TimeSpan step) => step < MinRateWindow ? MinRateWindow : step;

    /// <summary>Selectors that find the services and environments with span metrics or OTLP metrics (<c>target_info</c>).</summary>
    public static IReadOnlyList<IReadOnlyList<LabelMatcher>> ServiceSelectors(string? service = null)
    {
        IReadOnlyList<LabelMatcher> For(string metric) => service is null
            ? [LabelMatcher.MetricName(metric), new LabelMatcher(ServiceLabel, MatchType.NotEqual, string.Empty)]
            : [LabelMatcher.MetricName(metric), new LabelMatcher(ServiceLabel, MatchType.Equal, service)];
        return [For(Calls), For("target_info")];
    }

    /// <summary>Failed over all requests, point by point: null where there were no requests, 0 where there were requests and no failures.</summary>
    public static double?[] Ratio(double?[]? errors, double?[] total)
    {
        var ratio = new double?[total.Length];
        for (var i = 0; i < total.Length; i++)
        {
            if (total[i] is { } all && all > 0)
            {
                ratio[i] = Math.Clamp((errors?[i] ?? 0) / all, 0, 1);
            }
        }

        return ratio;
    }

    private static string Join(params string[] parts) => string.Join(',', parts.Where(p => p.Length > 0));
}

/// <summary>The time grid of a range query: <see cref="Count"/> points from <see cref="Start"/>, <see cref="Step"/> apart.</summary>
/// <param name="Start">The first point.</param>
/// <param name="End">The last point (on the grid).</param>
/// <param name="Step">The distance between points.</param>
public sealed record StepGrid(DateTimeOffset Start, DateTimeOffset End, TimeSpan Step)
{
    /// <summary>
    /// The grid covering <paramref name="range"/> up to <paramref name="now"/>, its end rounded UP to the step: points
    /// fall on whole minutes, and the last one (at most a step ahead) covers the samples of the minute in progress.
    /// </summary>
    public static StepGrid Ending(DateTimeOffset now, TimeSpan range, TimeSpan step)
    {
        var stepMs = (long)step.TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        var endMs = (nowMs + stepMs - 1) / stepMs * stepMs;
        var end = DateTimeOffset.FromUnixTimeMilliseconds(endMs);
        return new StepGrid(end - range, end, step);
    }

    /// <summary>How many points.</summary>
    public int Count => (int)((End - Start).Ticks / Step.Ticks) + 1;

    /// <summary>The points' times in Unix seconds.</summary>
    public IReadOnlyList<long> Times()
    {
        var start = Start.ToUnixTimeSeconds();
        var step = (long)Step.TotalSeconds;
        var times = new long[Count];
        for (var i = 0; i < times.Length; i++)
        {
            times[i] = start + (i * step);
        }

        return times;
    }

    /// <summary>
    /// Runs <paramref name="query"/> over the grid (through <paramref name="cache"/>, which evaluates only the points it
    /// has not got) and lays each result series onto it, keyed by <paramref name="key"/>; nulls where a series has no point.
    /// </summary>
    public async Task<Dictionary<TKey, double?[]>> QueryAsync<TKey>(IMetricsSource metrics, ServiceRedCache cache, string query, Func<LabelSet, TKey> key, CancellationToken cancellationToken)
        where TKey : notnull
    {
        var startMs = Start.ToUnixTimeMilliseconds();
        var stepMs = (long)Step.TotalMilliseconds;
        var result = await cache.RangeQueryAsync(metrics, query, this, cancellationToken);
        var rows = new Dictionary<TKey, double?[]>();
        foreach (var series in result.Series)
        {
            var k = key(series.Labels);
            if (!rows.TryGetValue(k, out var values))
            {
                values = new double?[Count];
                rows[k] = values;
            }

            foreach (var sample in series.Samples)
            {
                var index = (sample.TimestampMs - startMs) / stepMs;
                if (index >= 0 && index < values.Length && !double.IsNaN(sample.Value))
                {
                    values[index] = sample.Value;
                }
            }
        }

        return rows;
    }
}
