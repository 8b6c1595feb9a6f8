using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Telemetry;

namespace Vigil.Storage.Tests.Telemetry;

/// <summary>Builders of test telemetry around a fixed start time, so retention by age never touches it by accident.</summary>
internal static class TestTelemetry
{
    /// <summary>2026-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    public static readonly long StartNs = StartMs * 1_000_000;

    public static FakeTimeProvider Clock() => new(Start);

    public static LabelSet Series(string name, params (string Name, string Value)[] labels) =>
        LabelSet.From([(LabelSet.MetricNameLabel, name), .. labels]);

    public static TelemetryResource Resource(string service, string environment = "prod", string version = "1.0.0") =>
        new([
            new TelemetryAttribute(ResourceAttributes.ServiceName, service),
            new TelemetryAttribute(ResourceAttributes.DeploymentEnvironmentName, environment),
            new TelemetryAttribute(ResourceAttributes.ServiceVersion, version),
        ]);

    public static LogRecord Log(long timeNs, string body, TelemetryResource? resource = null, int severity = 9, string traceId = "") =>
        new(timeNs, timeNs + 1000, severity, severity >= 17 ? "ERROR" : "INFO", body,
            [new TelemetryAttribute("http.route", "/orders")], traceId, traceId.Length > 0 ? "00f067aa0ba902b7" : string.Empty,
            resource ?? Resource("checkout"), "test.scope");

    public static SpanRecord Span(string traceId, string spanId, string parent, string name, long startNs, long endNs,
        TelemetryResource? resource = null, SpanStatusCode status = SpanStatusCode.Unset) =>
        new(traceId, spanId, parent, name, SpanKind.Server, startNs, endNs, status, status == SpanStatusCode.Error ? "boom" : string.Empty,
            [new TelemetryAttribute("http.method", "GET")],
            [new SpanEvent(startNs + 10, "cache.miss", [new TelemetryAttribute("key", "k1")])],
            [new SpanLink("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", [])],
            resource ?? Resource("checkout"), "test.scope");

    /// <summary>A 32-hex-digit trace id derived from a number.</summary>
    public static string TraceId(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A 16-hex-digit span id derived from a number.</summary>
    public static string SpanId(int n) => n.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<LabelMatcher> Name(string metric, params LabelMatcher[] more) => [LabelMatcher.MetricName(metric), .. more];
}
