using System.Globalization;
using Vigil.Client.Contracts;
using Vigil.Core.LogPatterns;
using Vigil.Core.PromQl;
using Vigil.Core.Releases;
using Vigil.Core.Telemetry;
using Vigil.Server.Api;

namespace Vigil.Server.LogPatterns;

/// <summary>
/// Builds a release's log-pattern diff for the API and the timeline: the counts come from
/// <c>vigil_log_records_total</c> through the metrics source, template texts and merge aliases from the live miner,
/// and each change's example record from the log store.
/// </summary>
internal sealed class ReleasePatternReport(IMetricsSource metrics, LogPatternsService patterns, ILogSource logs)
{
    private readonly ReleasePatternAnalyzer _analyzer = new(metrics);

    /// <summary>The diff of <paramref name="release"/> at <paramref name="now"/>; examples cost one log query per change.</summary>
    /// <exception cref="MetricsSourceException">The metrics source failed.</exception>
    public async Task<ReleasePatternsResponse> BuildAsync(
        Release release, string? baselineVersion, DateTimeOffset now, bool withExamples, CancellationToken cancellationToken)
    {
        var service = release.Service;
        var result = await _analyzer.AnalyzeAsync(
            new PatternDiffRelease(service, release.Version, release.Environment, release.StartedAt),
            baselineVersion,
            now,
            id => Resolve(service, id),
            cancellationToken);

        var changes = new List<TemplateChangeDto>(result.Changes.Count);
        foreach (var change in result.Changes)
        {
            var id = long.Parse(change.TemplateId, NumberStyles.None, CultureInfo.InvariantCulture);
            var template = patterns.Miner.GetTemplate(service, new TemplateId(id))?.Template ?? string.Empty;
            LogRecordDto? example = null;
            if (withExamples)
            {
                example = change.Change == TemplateChangeKind.Gone
                    ? Example(service, result.BaselineVersion, release.Environment, change.TemplateId, result.BaselineWindowStart, result.BaselineWindowEnd)
                    : Example(service, release.Version, release.Environment, change.TemplateId, result.WindowStart, result.WindowEnd);
            }

            changes.Add(new TemplateChangeDto(
                change.Change.ToString().ToLowerInvariant(),
                id,
                template,
                change.Severity,
                change.ReleaseCount,
                change.BaselineCount,
                Math.Round(change.ExpectedCount, 3),
                change.RateRatio is { } ratio ? Math.Round(ratio, 4) : null,
                change.PValue,
                example));
        }

        return new ReleasePatternsResponse(
            release.Id, service, release.Version, release.Environment, result.BaselineVersion,
            result.WindowStart, result.WindowEnd, result.BaselineWindowStart, result.BaselineWindowEnd,
            result.ReleaseRecords, result.BaselineRecords, changes);
    }

    /// <summary>The live id a stored template id stands for now (merges keep the older id; absorbed ids are aliases).</summary>
    private string Resolve(string service, string templateId) =>
        long.TryParse(templateId, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? patterns.Miner.Resolve(service, new TemplateId(value)).ToString()
            : templateId;

    private LogRecordDto? Example(string service, string? version, string environment, string templateId, DateTimeOffset start, DateTimeOffset end)
    {
        if (version is null)
        {
            return null;
        }

        var ids = LogPatternEndpoint.TemplateIdFilter(patterns, service, templateId);
        var page = logs.QueryLogs(new LogQuery(
            Service: service,
            Environment: environment,
            Version: version,
            StartUnixNano: start.ToUnixTimeMilliseconds() * 1_000_000,
            EndUnixNano: end.ToUnixTimeMilliseconds() * 1_000_000,
            Limit: 1,
            TemplateIds: ids));
        return page.Records.Count > 0 ? TelemetryDtoMapper.ToDto(page.Records[0]) : null;
    }
}
