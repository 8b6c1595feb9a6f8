namespace Vigil.Client.Contracts;

/// <summary>
/// One template that differs between a release and its baseline. <see cref="Change"/> is <c>new</c>, <c>gone</c>,
/// <c>more</c> or <c>fewer</c>; <see cref="ExpectedCount"/> is what the release would have logged at the baseline's rate;
/// <see cref="PValue"/> is the test's (null for new templates, which need no test); <see cref="Example"/> is one record
/// of the release (of the baseline for a gone template), when the store still holds one.
/// </summary>
public sealed record TemplateChangeDto(
    string Change,
    long TemplateId,
    string Template,
    string Severity,
    double ReleaseCount,
    double BaselineCount,
    double ExpectedCount,
    double? RateRatio,
    double? PValue,
    LogRecordDto? Example);

/// <summary>
/// Answer of <c>GET /api/v1/releases/{id}/patterns</c>: the release's log-pattern diff against its baseline, errors and
/// warnings first, with the windows both sides were counted over.
/// </summary>
public sealed record ReleasePatternsResponse(
    string ReleaseId,
    string Service,
    string Version,
    string Environment,
    string? BaselineVersion,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    DateTimeOffset BaselineWindowStart,
    DateTimeOffset BaselineWindowEnd,
    double ReleaseRecords,
    double BaselineRecords,
    IReadOnlyList<TemplateChangeDto> Changes);
