using System.Globalization;
using Vigil.Core.PromQl;
using Vigil.Core.PromQl.Evaluation;
using Vigil.Core.Telemetry;
using Vigil.Core.Time;
using Vigil.Server.Ui.Components;

namespace Vigil.Server.Ui.Data;

/// <summary>One row of the Explore page's table: a series and its value at the end of the window (an instant query).</summary>
/// <param name="Labels">The series' labels in Prometheus notation (<c>{service_version="2.0.0"}</c>).</param>
/// <param name="Value">The value, as text.</param>
/// <param name="LogsHref">The logs of the series' service over the window, or null when the series names no service.</param>
public sealed record ExploreLatestRow(string Labels, string Value, string? LogsHref);

/// <summary>What the Explore page shows for a query: a chart, the latest values, or a message.</summary>
/// <param name="Chart">At most <see cref="ExploreQuery.MaxChartSeries"/> series of the range query.</param>
/// <param name="TotalSeries">How many series the range query returned.</param>
/// <param name="Latest">At most <see cref="ExploreQuery.MaxTableRows"/> rows of the instant query at the window's end.</param>
/// <param name="TotalLatest">How many series (or 1 for a scalar) the instant query returned.</param>
/// <param name="Step">The resolution used.</param>
/// <param name="StepNote">Why the step differs from the one asked for, or null.</param>
/// <param name="PointLink">The chart's point link template (<c>{from}</c>/<c>{to}</c>) to that minute's logs.</param>
/// <param name="Error">The message for a query that did not parse or evaluate, or null.</param>
/// <param name="StatusCode">The HTTP status for the page: 200, 400 for bad input, 422 for a failed evaluation.</param>
/// <param name="ErrorPosition">For a parse error, the zero-based character offset in the query; otherwise null.</param>
public sealed record ExploreQueryResult(
    ChartData Chart,
    int TotalSeries,
    IReadOnlyList<ExploreLatestRow> Latest,
    int TotalLatest,
    TimeSpan Step,
    string? StepNote,
    string? PointLink,
    string? Error,
    int StatusCode,
    int? ErrorPosition = null)
{
    /// <summary>True when there is neither a series nor a scalar to show.</summary>
    public bool IsEmpty => Error is null && TotalSeries == 0 && TotalLatest == 0;

    /// <summary>A result that is only a message.</summary>
    public static ExploreQueryResult Failed(string error, int statusCode, int? position = null) =>
        new(ChartData.Empty, 0, [], 0, TimeSpan.Zero, null, null, error, statusCode, position);
}

/// <summary>
/// Runs the Explore page's PromQL through the same <see cref="IMetricsSource"/> the Prometheus API answers from
/// (<c>/api/v1/query_range</c> for the chart, <c>/api/v1/query</c> for the latest values) and shapes the answer for the
/// page: bounded series, bounded points, labels as text, and links from a point to that minute's logs.
/// </summary>
public static class ExploreQuery
{
    /// <summary>The most series drawn: more lines than this is not readable.</summary>
    public const int MaxChartSeries = 20;

    /// <summary>The most rows in the latest-values table.</summary>
    public const int MaxTableRows = 100;

    /// <summary>
    /// The most points per series; the step is raised to stay under it. 500: about one point per two pixels of a wide
    /// chart, and a 1-hour window at a 10 s step (more points only cost query and page time).
    /// </summary>
    public const int MaxPoints = 500;

    private static readonly TimeSpan[] NiceSteps =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10),
        TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6),
        TimeSpan.FromHours(12), TimeSpan.FromDays(1),
    ];

    /// <summary>
    /// The smallest round step that keeps <paramref name="window"/> at most <see cref="MaxPoints"/> points, never below
    /// one second.
    /// </summary>
    public static TimeSpan MinimumStep(TimeSpan window)
    {
        var needed = window / MaxPoints;
        foreach (var step in NiceSteps)
        {
            if (step >= needed)
            {
                return step;
            }
        }

        return TimeSpan.FromSeconds(Math.Ceiling(needed.TotalSeconds));
    }

    /// <summary>Evaluates <paramref name="query"/> over <paramref name="window"/>; never throws for user input.</summary>
    /// <param name="source">The metrics source (embedded engine or external Prometheus).</param>
    /// <param name="query">The PromQL expression.</param>
    /// <param name="window">The window of the chart; the table reads the instant at its end.</param>
    /// <param name="stepText">The step asked for, or empty for the automatic one.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public static async Task<ExploreQueryResult> RunAsync(IMetricsSource source, string query, ExploreWindow window, string? stepText, CancellationToken cancellationToken)
    {
        var minimum = MinimumStep(window.Length);
        var step = minimum;
        string? stepNote = null;
        if (!string.IsNullOrWhiteSpace(stepText))
        {
            if (!DurationParser.TryParse(stepText.Trim(), out var asked, out var reason, allowBareSeconds: true) || asked <= TimeSpan.Zero)
            {
                return ExploreQueryResult.Failed($"step '{stepText}' is not a positive duration{(reason.Length > 0 ? " (" + reason + ")" : string.Empty)}; use e.g. 15s, 1m or leave it empty for automatic", StatusCodes.Status400BadRequest);
            }

            if (asked < minimum)
            {
                stepNote = $"step raised from {Duration(asked)} to {Duration(minimum)} to keep at most {MaxPoints.ToString("N0", CultureInfo.InvariantCulture)} points per series";
            }
            else
            {
                step = asked;
            }
        }

        Expr expression;
        try
        {
            // Parsed here too (the source parses again) for the error's position and for the series' service.
            expression = PromQlParser.Parse(query);
        }
        catch (PromQlParseException ex)
        {
            return ExploreQueryResult.Failed($"parse error at position {ex.Position.ToString(CultureInfo.InvariantCulture)}: {ex.Reason}", StatusCodes.Status400BadRequest, ex.Position);
        }

        var stepMs = (long)step.TotalMilliseconds;
        var startMs = window.From.ToUnixTimeMilliseconds() / stepMs * stepMs;
        var endMs = window.To.ToUnixTimeMilliseconds();
        MatrixResult matrix;
        PromQlResult latest;
        try
        {
            matrix = await source.RangeQueryAsync(query, startMs, endMs, stepMs, cancellationToken);
            latest = await source.InstantQueryAsync(query, endMs, cancellationToken);
        }
        catch (PromQlParseException ex)
        {
            return ExploreQueryResult.Failed($"parse error at position {ex.Position.ToString(CultureInfo.InvariantCulture)}: {ex.Reason}", StatusCodes.Status400BadRequest, ex.Position);
        }
        catch (PromQlEvaluationException ex)
        {
            return ExploreQueryResult.Failed(ex.Message, StatusCodes.Status422UnprocessableEntity);
        }
        catch (MetricsSourceException ex)
        {
            return ExploreQueryResult.Failed(ex.Message, ex.StatusCode is >= 400 and < 500 ? ex.StatusCode : StatusCodes.Status422UnprocessableEntity);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return ExploreQueryResult.Failed("a regular expression matcher took too long; simplify it", StatusCodes.Status422UnprocessableEntity);
        }

        var queryService = SinglePinnedValue(expression, PromotedLabels.ServiceName);
        var queryEnvironment = SinglePinnedValue(expression, PromotedLabels.DeploymentEnvironmentName);
        var drawn = matrix.Series.Take(MaxChartSeries).ToList();
        var chart = Chart(drawn, startMs, endMs, stepMs);
        var pointService = Shared(drawn.Select(s => s.Labels), PromotedLabels.ServiceName) ?? queryService;
        var pointEnvironment = Shared(drawn.Select(s => s.Labels), PromotedLabels.DeploymentEnvironmentName) ?? queryEnvironment;
        var pointLink = LogSearch.Href(pointService, pointEnvironment, "{from}", "{to}");

        var rows = new List<ExploreLatestRow>();
        var totalLatest = 0;
        switch (latest)
        {
            case VectorResult vector:
                totalLatest = vector.Elements.Count;
                foreach (var element in vector.Elements.OrderBy(e => e.Labels, Comparer<LabelSet>.Create(LabelSet.Compare)).Take(MaxTableRows))
                {
                    var service = element.Labels.Get(PromotedLabels.ServiceName) ?? queryService;
                    var environment = element.Labels.Get(PromotedLabels.DeploymentEnvironmentName) ?? queryEnvironment;
                    rows.Add(new ExploreLatestRow(
                        element.Labels.ToString(),
                        Value(element.Value),
                        string.IsNullOrEmpty(service) ? null : LogSearch.Href(service, environment, window.FromSeconds.ToString(CultureInfo.InvariantCulture), window.ToSeconds.ToString(CultureInfo.InvariantCulture))));
                }

                break;
            case ScalarResult scalar:
                totalLatest = 1;
                rows.Add(new ExploreLatestRow("scalar", Value(scalar.Value), null));
                break;
            case StringResult text:
                totalLatest = 1;
                rows.Add(new ExploreLatestRow("string", text.Value, null));
                break;
            case MatrixResult range:
                totalLatest = range.Series.Count;
                foreach (var series in range.Series.Take(MaxTableRows))
                {
                    rows.Add(new ExploreLatestRow(series.Labels.ToString(), series.Samples.Count > 0 ? Value(series.Samples[^1].Value) : "—", null));
                }

                break;
        }

        return new ExploreQueryResult(chart, matrix.Series.Count, rows, totalLatest, step, stepNote, pointLink, null, StatusCodes.Status200OK);
    }

    /// <summary>A value as the table shows it: up to six significant digits, Prometheus's spelling of the special values.</summary>
    public static string Value(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };

    /// <summary>A step as a short duration (<c>5s</c>, <c>1m</c>, <c>2h</c>).</summary>
    public static string Duration(TimeSpan step) => step switch
    {
        { TotalDays: >= 1 } when step.Ticks % TimeSpan.TicksPerDay == 0 => string.Create(CultureInfo.InvariantCulture, $"{step.TotalDays:0}d"),
        { TotalHours: >= 1 } when step.Ticks % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{step.TotalHours:0}h"),
        { TotalMinutes: >= 1 } when step.Ticks % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{step.TotalMinutes:0}m"),
        { TotalSeconds: >= 1 } when step.Ticks % TimeSpan.TicksPerSecond == 0 => string.Create(CultureInfo.InvariantCulture, $"{step.TotalSeconds:0}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{step.TotalMilliseconds:0}ms"),
    };

    // One shared time axis (start, start + step, ..., up to end) and one value per time per series; NaN and the
    // infinities become gaps, as uPlot cannot draw them and JSON cannot carry them.
    private static ChartData Chart(IReadOnlyList<SeriesSamples> series, long startMs, long endMs, long stepMs)
    {
        if (series.Count == 0)
        {
            return ChartData.Empty;
        }

        var count = (int)((endMs - startMs) / stepMs) + 1;
        var times = new long[count];
        for (var i = 0; i < count; i++)
        {
            times[i] = (startMs + (i * stepMs)) / 1000;
        }

        var lines = new List<ChartSeries>(series.Count);
        foreach (var s in series)
        {
            var values = new double?[count];
            foreach (var sample in s.Samples)
            {
                var index = (sample.TimestampMs - startMs) / stepMs;
                if (index >= 0 && index < count && double.IsFinite(sample.Value))
                {
                    values[index] = sample.Value;
                }
            }

            lines.Add(new ChartSeries(s.Labels.ToString(), values));
        }

        return new ChartData(times, lines);
    }

    private static string? Shared(IEnumerable<LabelSet> series, string label)
    {
        string? shared = null;
        foreach (var labels in series)
        {
            var value = labels.Get(label);
            if (string.IsNullOrEmpty(value) || (shared is not null && shared != value))
            {
                return null;
            }

            shared = value;
        }

        return shared;
    }

    /// <summary>
    /// The value every selector of the query pins <paramref name="label"/> to with <c>=</c>, or null when a selector
    /// leaves it open or two selectors disagree: <c>sum(rate(x{service_name="checkout"}[1m]))</c> is about checkout.
    /// </summary>
    internal static string? SinglePinnedValue(Expr expression, string label)
    {
        string? pinned = null;
        var open = false;
        void Visit(Expr e)
        {
            switch (e)
            {
                case VectorSelector selector:
                    var value = selector.Matchers.FirstOrDefault(m => m.Name == label && m.Type == Vigil.Core.Telemetry.MatchType.Equal)?.Value;
                    if (string.IsNullOrEmpty(value) || (pinned is not null && pinned != value))
                    {
                        open = true;
                    }
                    else
                    {
                        pinned = value;
                    }

                    break;
                case MatrixSelector matrix:
                    Visit(matrix.Selector);
                    break;
                case SubqueryExpr subquery:
                    Visit(subquery.Expr);
                    break;
                case Call call:
                    foreach (var arg in call.Args)
                    {
                        Visit(arg);
                    }

                    break;
                case AggregateExpr aggregate:
                    Visit(aggregate.Expr);
                    break;
                case BinaryExpr binary:
                    Visit(binary.Lhs);
                    Visit(binary.Rhs);
                    break;
                case UnaryExpr unary:
                    Visit(unary.Expr);
                    break;
                case ParenExpr paren:
                    Visit(paren.Expr);
                    break;
            }
        }

        Visit(expression);
        return open ? null : pinned;
    }
}
