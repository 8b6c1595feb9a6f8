namespace Vigil.Core.PromQl.Evaluation;

/// <summary>Limits and defaults of the PromQL engine.</summary>
public sealed class PromQlEngineOptions
{
    /// <summary>How far back an instant selector looks for a sample. Default 5 minutes, as in Prometheus.</summary>
    public TimeSpan LookbackDelta { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Most samples one query may load from the source. Default 50,000,000, Prometheus's
    /// <c>--query.max-samples</c>; it bounds the memory one query can take.
    /// </summary>
    public long MaxSamples { get; init; } = 50_000_000;

    /// <summary>Most series one selector may select. Default 500,000; it bounds the memory of one selector.</summary>
    public int MaxSeries { get; init; } = 500_000;

    /// <summary>The step of a subquery written without one, <c>x[30m:]</c>. Default 1 minute, Prometheus's default evaluation interval.</summary>
    public TimeSpan DefaultSubqueryStep { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Most steps, (end - start) / step, of a range query and of one subquery evaluation. Default 11,000, Prometheus's API
    /// limit; it bounds the points per series.
    /// </summary>
    public int MaxSteps { get; init; } = 11_000;
}
