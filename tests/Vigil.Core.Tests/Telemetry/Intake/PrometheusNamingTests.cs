using Vigil.Core.Telemetry.Intake;

namespace Vigil.Core.Tests.Telemetry.Intake;

public class PrometheusNamingTests
{
    [Theory]
    [InlineData("http.server.request.duration", "s", PrometheusMetricKind.Histogram, "http_server_request_duration_seconds")]
    [InlineData("http.server.duration", "ms", PrometheusMetricKind.Histogram, "http_server_duration_milliseconds")]
    [InlineData("http.server.requests", "{request}", PrometheusMetricKind.Counter, "http_server_requests_total")]
    [InlineData("process.runtime.dotnet.gc.allocations.size", "By", PrometheusMetricKind.Counter, "process_runtime_dotnet_gc_allocations_size_bytes_total")]
    [InlineData("system.network.io", "By/s", PrometheusMetricKind.Gauge, "system_network_io_bytes_per_second")]
    [InlineData("requests.rate", "{request}/s", PrometheusMetricKind.Gauge, "requests_rate_per_second")]
    [InlineData("cpu.utilization", "1", PrometheusMetricKind.Gauge, "cpu_utilization_ratio")]
    [InlineData("jobs.done", "1", PrometheusMetricKind.Counter, "jobs_done_total")]
    [InlineData("queue.size", "", PrometheusMetricKind.Gauge, "queue_size")]
    [InlineData("requests_total", "", PrometheusMetricKind.Counter, "requests_total")]
    [InlineData("latency_seconds", "s", PrometheusMetricKind.Histogram, "latency_seconds")]
    [InlineData("active.connections", "{connection}", PrometheusMetricKind.Gauge, "active_connections")]
    [InlineData("memory.usage", "MiBy", PrometheusMetricKind.Gauge, "memory_usage_mebibytes")]
    [InlineData("temperature", "Cel", PrometheusMetricKind.Gauge, "temperature_celsius")]
    [InlineData("disk.free", "%", PrometheusMetricKind.Gauge, "disk_free_percent")]
    [InlineData("weird..name--x", "", PrometheusMetricKind.Gauge, "weird_name_x")]
    [InlineData("2xx.responses", "", PrometheusMetricKind.Counter, "_2xx_responses_total")]
    [InlineData("distance", "km", PrometheusMetricKind.Gauge, "distance_km")]
    [InlineData("rpc.latency", "ms", PrometheusMetricKind.Summary, "rpc_latency_milliseconds")]
    [InlineData("updown", "", PrometheusMetricKind.Gauge, "updown")]
    public void MetricName_OtelName_FollowsCompatibilityRules(string name, string unit, PrometheusMetricKind kind, string expected)
    {
        Assert.Equal(expected, PrometheusNaming.MetricName(name, unit, kind));
    }

    [Fact]
    public void MetricName_TotalInTheMiddle_MovesTotalToTheEnd()
    {
        Assert.Equal("requests_errors_total", PrometheusNaming.MetricName("requests.total.errors", "", PrometheusMetricKind.Counter));
    }

    [Theory]
    [InlineData("")]
    [InlineData("...")]
    [InlineData("ü")]
    public void MetricName_NoLetterOrDigit_IsEmpty(string name)
    {
        Assert.Equal(string.Empty, PrometheusNaming.MetricName(name, "s", PrometheusMetricKind.Gauge));
    }

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("service.name", "service_name")]
    [InlineData("already_fine", "already_fine")]
    [InlineData("k8s-pod/name", "k8s_pod_name")]
    [InlineData("0day", "key_0day")]
    [InlineData("_private", "key_private")]
    [InlineData("__name__", "key__name__")]
    [InlineData("", "")]
    public void LabelName_AttributeKey_IsSanitised(string key, string expected)
    {
        Assert.Equal(expected, PrometheusNaming.LabelName(key));
    }

    [Theory]
    [InlineData(0.005, "0.005")]
    [InlineData(1, "1")]
    [InlineData(2.5, "2.5")]
    [InlineData(1e-05, "0.00001")]
    [InlineData(1.5e20, "150000000000000000000")]
    [InlineData(-2.5e-7, "-0.00000025")]
    [InlineData(1024, "1024")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void FormatFloat_Value_IsPlainShortestDecimal(double value, string expected)
    {
        Assert.Equal(expected, PrometheusNaming.FormatFloat(value));
    }

    [Theory]
    [InlineData("s", "seconds", "")]
    [InlineData("{packet}/s", "", "second")]
    [InlineData("By/min", "bytes", "min")]
    [InlineData("{request}", "", "")]
    public void UnitWordsOf_Unit_SplitsMainAndPer(string unit, string main, string per)
    {
        Assert.Equal((main, per), PrometheusNaming.UnitWordsOf(unit));
    }
}
