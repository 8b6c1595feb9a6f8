namespace Vigil.Core.Telemetry;

/// <summary>
/// One attribute of a resource, log record, span, event or link. OpenTelemetry values of every type are kept as
/// text: strings as they are, numbers in invariant culture, booleans as <c>true</c>/<c>false</c>, bytes as base64,
/// arrays and maps as JSON. This is a documented product convention (docs/configuration.md).
/// </summary>
public readonly record struct TelemetryAttribute(string Key, string Value);
