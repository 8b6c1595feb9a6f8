using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;

namespace Vigil.Cli.Bench;

/// <summary>The size of the store <c>vigil bench ui</c> fills.</summary>
/// <param name="Services">Services svc-00, svc-01, ... in environment prod.</param>
/// <param name="Releases">Releases, spread round-robin over the services (each has at least one).</param>
/// <param name="Span">How far back the data reaches from now.</param>
internal sealed record UiBenchSizes(int Services, int Releases, TimeSpan Span);

/// <summary>One version of a service and the minutes (from the data's start) it served, whole-fleet.</summary>
/// <param name="Version">The version, 1.0.0, 1.1.0, ...</param>
/// <param name="FromMinute">Its first minute: its release's start, and the zero of its counters.</param>
/// <param name="ToMinute">The minute the next version took over (exclusive), or the end of the data.</param>
/// <param name="Bad">A bad release: more errors and slower, so its verification fails.</param>
internal sealed record UiBenchVersion(string Version, int FromMinute, int ToMinute, bool Bad);

/// <summary>One service: its traffic and the versions it ran.</summary>
/// <param name="Index">0-based.</param>
/// <param name="Name">svc-00, ...</param>
/// <param name="RequestsPerSecond">Mean request rate of each operation.</param>
/// <param name="MedianSeconds">Median latency of its good versions.</param>
/// <param name="Versions">Oldest first; each one was released (POST /api/v1/releases) at its first minute.</param>
internal sealed record UiBenchService(int Index, string Name, double RequestsPerSecond, double MedianSeconds, IReadOnlyList<UiBenchVersion> Versions)
{
    /// <summary>The version serving at <paramref name="minute"/>.</summary>
    public UiBenchVersion VersionAt(int minute) => Versions.LastOrDefault(v => v.FromMinute <= minute) ?? Versions[0];
}

/// <summary>
/// The data <c>vigil bench ui</c> writes, generated deterministically (fixed seed): one-minute span metrics of every
/// service as the server's own span-metrics aggregator would write them (<see cref="SpanMetricsAggregator"/>: the same
/// names, labels and 242 <c>le</c> buckets, one label set per service, version, operation and status), encoded as
/// Prometheus remote-write 1.0 requests; and some logs and traces as OTLP/JSON export requests.
/// </summary>
internal sealed class UiBenchData
{
    /// <summary>The environment of every service.</summary>
    public const string Environment = "prod";

    /// <summary>Instances per service (resource attribute of logs and traces; span metrics carry no instance).</summary>
    public const int Instances = 2;

    /// <summary>The server operations whose span metrics are written.</summary>
    public static readonly IReadOnlyList<string> Operations = ["GET /api/items", "POST /api/orders"];

    /// <summary>The span name of the traces' root spans (apart from <see cref="Operations"/>, whose counters the bench writes itself).</summary>
    public const string TraceRootName = "GET /api/items/{id}";

    /// <summary>The span name of the traces' child spans.</summary>
    public const string TraceChildName = "SELECT items";

    private const double GoodErrorRatio = 0.005;
    private const double BadErrorRatio = 0.08;
    private const double BadSlowdown = 1.6;
    private const double LatencySigma = 0.6;
    private const int MaxMinutesPerRequest = 360;
    private const int Seed = 20261129;

    private static readonly string[] BucketLabels = [.. SpanMetricsAggregator.DurationBounds.Select(PrometheusNaming.FormatFloat), "+Inf"];

    public UiBenchData(UiBenchSizes sizes, DateTimeOffset now)
    {
        Sizes = sizes;
        End = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        Minutes = (int)sizes.Span.TotalMinutes;
        Start = End - TimeSpan.FromMinutes(Minutes - 1);
        var random = new Random(Seed);
        var width = Math.Max(2, (sizes.Services - 1).ToString(CultureInfo.InvariantCulture).Length);
        var services = new List<UiBenchService>(sizes.Services);
        for (var s = 0; s < sizes.Services; s++)
        {
            var releases = (sizes.Releases / sizes.Services) + (s < sizes.Releases % sizes.Services ? 1 : 0);
            // The first version serves from the start; later releases are spread over the span with a per-service offset.
            var step = Minutes / releases;
            var offset = step > 4 ? random.Next(step / 4) : 0;
            var versions = new List<UiBenchVersion>(releases);
            for (var k = 0; k < releases; k++)
            {
                var from = k == 0 ? 0 : Math.Min(Minutes - 2, (k * step) + offset);
                versions.Add(new UiBenchVersion(string.Create(CultureInfo.InvariantCulture, $"1.{k}.0"), from, Minutes, Bad: s == 0 && k == releases - 1 && k > 0));
            }

            for (var k = 0; k + 1 < versions.Count; k++)
            {
                versions[k] = versions[k] with { ToMinute = Math.Max(versions[k].FromMinute + 1, versions[k + 1].FromMinute) };
            }

            var name = "svc-" + s.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            services.Add(new UiBenchService(s, name, 5 + (random.NextDouble() * 45), 0.02 + (random.NextDouble() * 0.1), versions));
        }

        Services = services;
    }

    public UiBenchSizes Sizes { get; }

    /// <summary>The last minute of data (now, rounded down to the minute).</summary>
    public DateTimeOffset End { get; }

    /// <summary>The first minute of data.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>Minutes of data, one sample per series per minute.</summary>
    public int Minutes { get; }

    public IReadOnlyList<UiBenchService> Services { get; }

    /// <summary>Every release: service, version and start, oldest first.</summary>
    public IEnumerable<(UiBenchService Service, UiBenchVersion Version, DateTimeOffset StartedAt)> Releases() =>
        Services.SelectMany(s => s.Versions.Select(v => (s, v, Start + TimeSpan.FromMinutes(v.FromMinute)))).OrderBy(r => r.Item3);

    /// <summary>
    /// The remote-write request bodies (snappy-compressed protobuf), grouped so that every series' samples are in one
    /// group, in time order: groups can be sent in parallel, the requests of one group must be sent in order.
    /// </summary>
    public IEnumerable<(UiBenchService Service, UiBenchVersion Version, string Operation)> MetricGroups() =>
        Services.SelectMany(s => s.Versions.SelectMany(v => Operations.Select(o => (s, v, o))));

    /// <summary>The remote-write requests of one group, oldest first, and how many samples each holds.</summary>
    public IEnumerable<(byte[] Body, int Samples)> MetricRequests(UiBenchService service, UiBenchVersion version, string operation)
    {
        var counts = MinuteCounts(service, version, operation);
        var median = service.MedianSeconds * (version.Bad ? BadSlowdown : 1);
        var cdf = SpanMetricsAggregator.DurationBounds.Select(b => LogNormalCdf(b, median)).ToArray();
        var mean = median * Math.Exp(LatencySigma * LatencySigma / 2);
        for (var first = version.FromMinute; first < version.ToMinute; first += MaxMinutesPerRequest)
        {
            var last = Math.Min(version.ToMinute, first + MaxMinutesPerRequest);
            var writer = new RemoteWriteWriter();
            foreach (var (status, totals) in new[] { ("STATUS_CODE_UNSET", counts.Ok), ("STATUS_CODE_ERROR", counts.Errors) })
            {
                var labels = new List<KeyValuePair<string, string>>
                {
                    new(PromotedLabels.ServiceName, service.Name),
                    new(PromotedLabels.ServiceVersion, version.Version),
                    new(PromotedLabels.DeploymentEnvironmentName, Environment),
                    new("span_name", operation),
                    new("span_kind", "SPAN_KIND_SERVER"),
                    new("status_code", status),
                };
                var offset = version.FromMinute;
                writer.Series(SpanMetricsAggregator.CallsMetric, labels, null, first, last, Start, m => totals[m - offset]);
                for (var i = 0; i < BucketLabels.Length; i++)
                {
                    var fraction = i < cdf.Length ? cdf[i] : 1.0;
                    writer.Series(SpanMetricsAggregator.DurationMetric + "_bucket", labels, BucketLabels[i], first, last, Start,
                        m => Math.Floor(fraction * totals[m - offset]));
                }

                writer.Series(SpanMetricsAggregator.DurationMetric + "_sum", labels, null, first, last, Start, m => totals[m - offset] * mean);
                writer.Series(SpanMetricsAggregator.DurationMetric + "_count", labels, null, first, last, Start, m => totals[m - offset]);
            }

            yield return (writer.ToSnappyBody(), writer.Samples);
        }
    }

    /// <summary>Samples all groups hold, for the report.</summary>
    public long TotalSamples() =>
        MetricGroups().Sum(g => (long)(g.Version.ToMinute - g.Version.FromMinute) * 2 * (BucketLabels.Length + 3));

    /// <summary>
    /// Cumulative request counts (ok and error) of one operation of one version at each of its minutes, starting with
    /// the zero its series is created with; a daily cycle plus noise, deterministic per series.
    /// </summary>
    private (long[] Ok, long[] Errors) MinuteCounts(UiBenchService service, UiBenchVersion version, string operation)
    {
        var random = new Random(HashCode.Combine(Seed, service.Index, version.FromMinute, operation.Length));
        var length = version.ToMinute - version.FromMinute;
        var ok = new long[length];
        var errors = new long[length];
        var ratio = version.Bad ? BadErrorRatio : GoodErrorRatio;
        long okTotal = 0, errorTotal = 0;
        for (var i = 1; i < length; i++)
        {
            var minuteOfDay = (Start.Hour * 60) + Start.Minute + version.FromMinute + i;
            var daily = 1 + (0.3 * Math.Sin(2 * Math.PI * minuteOfDay / 1440.0));
            var requests = (long)Math.Round(service.RequestsPerSecond * 60 * daily * (0.9 + (random.NextDouble() * 0.2)));
            var failed = (long)Math.Floor((requests * ratio) + random.NextDouble());
            okTotal += requests - failed;
            errorTotal += failed;
            ok[i] = okTotal;
            errors[i] = errorTotal;
        }

        return (ok, errors);
    }

    /// <summary>OTLP/JSON trace export requests: per service, <paramref name="tracesPerService"/> traces of two spans over the last hour.</summary>
    public IEnumerable<(string Json, int Spans)> TraceRequests(int tracesPerService, List<string> traceIds)
    {
        var random = new Random(Seed + 1);
        var window = Math.Min(60, Minutes);
        foreach (var service in Services)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var spans = 0;
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("resourceSpans");
                for (var instance = 0; instance < Instances; instance++)
                {
                    json.WriteStartObject();
                    WriteResource(json, service, service.Versions[^1].Version, instance);
                    json.WriteStartArray("scopeSpans");
                    json.WriteStartObject();
                    json.WriteStartObject("scope");
                    json.WriteString("name", "vigil-bench");
                    json.WriteEndObject();
                    json.WriteStartArray("spans");
                    for (var t = instance; t < tracesPerService; t += Instances)
                    {
                        var start = End - TimeSpan.FromSeconds(random.Next(window * 60));
                        var traceId = Hex(random, 16);
                        traceIds.Add(traceId);
                        var rootId = Hex(random, 8);
                        var rootMs = 5 + random.Next(200);
                        var failed = random.NextDouble() < 0.05;
                        WriteSpan(json, traceId, rootId, null, TraceRootName, 2, start, rootMs, failed);
                        WriteSpan(json, traceId, Hex(random, 8), rootId, TraceChildName, 3, start.AddMilliseconds(1), Math.Max(1, rootMs - 3), false);
                        spans += 2;
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            yield return (Encoding.UTF8.GetString(buffer.WrittenSpan), spans);
        }
    }

    /// <summary>
    /// OTLP/JSON log export requests: per service, <paramref name="logsPerService"/> records, half in the last hour (some
    /// carrying the id of one of <paramref name="traceIds"/>), half over the whole span, at the version then serving.
    /// </summary>
    public IEnumerable<(string Json, int Records)> LogRequests(int logsPerService, IReadOnlyList<string> traceIds)
    {
        var random = new Random(Seed + 2);
        foreach (var service in Services)
        {
            var byVersion = new Dictionary<UiBenchVersion, List<(DateTimeOffset At, int N)>>();
            for (var n = 0; n < logsPerService; n++)
            {
                var minutesBack = n % 2 == 0 ? random.NextDouble() * Math.Min(60, Minutes - 1) : random.NextDouble() * (Minutes - 1);
                var at = End - TimeSpan.FromMinutes(minutesBack);
                var version = service.VersionAt((int)(at - Start).TotalMinutes);
                if (!byVersion.TryGetValue(version, out var list))
                {
                    byVersion[version] = list = [];
                }

                list.Add((at, n));
            }

            var buffer = new ArrayBufferWriter<byte>();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteStartArray("resourceLogs");
                foreach (var (version, records) in byVersion)
                {
                    json.WriteStartObject();
                    WriteResource(json, service, version.Version, records[0].N % Instances);
                    json.WriteStartArray("scopeLogs");
                    json.WriteStartObject();
                    json.WriteStartArray("logRecords");
                    foreach (var (at, n) in records)
                    {
                        var error = n % 20 == 0;
                        json.WriteStartObject();
                        json.WriteString("timeUnixNano", UnixNanos(at));
                        json.WriteNumber("severityNumber", error ? 17 : 9);
                        json.WriteString("severityText", error ? "ERROR" : "INFO");
                        json.WriteStartObject("body");
                        json.WriteString("stringValue", error
                            ? string.Create(CultureInfo.InvariantCulture, $"payment declined for order {random.Next(100_000)}: card expired")
                            : string.Create(CultureInfo.InvariantCulture, $"order {random.Next(100_000)} processed in {5 + random.Next(300)} ms"));
                        json.WriteEndObject();
                        if (n % 5 == 0 && traceIds.Count > 0 && at > End - TimeSpan.FromMinutes(60))
                        {
                            json.WriteString("traceId", traceIds[random.Next(traceIds.Count)]);
                        }

                        json.WriteEndObject();
                    }

                    json.WriteEndArray();
                    json.WriteEndObject();
                    json.WriteEndArray();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            yield return (Encoding.UTF8.GetString(buffer.WrittenSpan), logsPerService);
        }
    }

    private static void WriteResource(Utf8JsonWriter json, UiBenchService service, string version, int instance)
    {
        json.WriteStartObject("resource");
        json.WriteStartArray("attributes");
        Attribute(json, "service.name", service.Name);
        Attribute(json, "service.version", version);
        Attribute(json, "deployment.environment.name", Environment);
        Attribute(json, "service.instance.id", string.Create(CultureInfo.InvariantCulture, $"{service.Name}-{instance}"));
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void Attribute(Utf8JsonWriter json, string key, string value)
    {
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartObject("value");
        json.WriteString("stringValue", value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteSpan(Utf8JsonWriter json, string traceId, string spanId, string? parentId, string name, int kind, DateTimeOffset start, int milliseconds, bool failed)
    {
        json.WriteStartObject();
        json.WriteString("traceId", traceId);
        json.WriteString("spanId", spanId);
        if (parentId is not null)
        {
            json.WriteString("parentSpanId", parentId);
        }

        json.WriteString("name", name);
        json.WriteNumber("kind", kind);
        json.WriteString("startTimeUnixNano", UnixNanos(start));
        json.WriteString("endTimeUnixNano", UnixNanos(start.AddMilliseconds(milliseconds)));
        if (failed)
        {
            json.WriteStartObject("status");
            json.WriteNumber("code", 2);
            json.WriteString("message", "upstream timed out");
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static string UnixNanos(DateTimeOffset at) => ((at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100).ToString(CultureInfo.InvariantCulture);

    private static string Hex(Random random, int bytes)
    {
        Span<byte> data = stackalloc byte[bytes];
        random.NextBytes(data);
        return Convert.ToHexStringLower(data);
    }

    private static double LogNormalCdf(double x, double median) =>
        x <= 0 ? 0 : 0.5 * (1 + Erf(Math.Log(x / median) / (LatencySigma * Math.Sqrt(2))));

    // Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7): plenty for bucket shares.
    private static double Erf(double x)
    {
        var sign = Math.Sign(x);
        x = Math.Abs(x);
        var t = 1 / (1 + (0.3275911 * x));
        var poly = ((((((((1.061405429 * t) - 1.453152027) * t) + 1.421413741) * t) - 0.284496736) * t) + 0.254829592) * t;
        var y = 1 - (poly * Math.Exp(-x * x));
        return sign * y;
    }

    /// <summary>
    /// Writes a remote-write 1.0 <c>WriteRequest</c> by hand (protobuf fields: WriteRequest.timeseries = 1;
    /// TimeSeries.labels = 1, samples = 2; Label.name = 1, value = 2; Sample.value = 1 (double), timestamp = 2 (int64 ms)),
    /// so the bench talks to <c>/api/v1/write</c> as any outside sender does.
    /// </summary>
    private sealed class RemoteWriteWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(1 << 20);

        public int Samples { get; private set; }

        public void Series(string name, List<KeyValuePair<string, string>> labels, string? le, int first, int last, DateTimeOffset start, Func<int, double> value)
        {
            // Labels sorted by name, __name__ first, as Prometheus sends them.
            var all = new List<KeyValuePair<string, string>>(labels.Count + 2) { new(LabelSet.MetricNameLabel, name) };
            all.AddRange(labels);
            if (le is not null)
            {
                all.Add(new("le", le));
            }

            all.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            var labelBytes = new ArrayBufferWriter<byte>(256);
            foreach (var (key, text) in all)
            {
                var nameLength = Encoding.UTF8.GetByteCount(key);
                var valueLength = Encoding.UTF8.GetByteCount(text);
                var labelLength = 1 + VarintSize((ulong)nameLength) + nameLength + 1 + VarintSize((ulong)valueLength) + valueLength;
                WriteTag(labelBytes, 1, 2);
                WriteVarint(labelBytes, (ulong)labelLength);
                WriteString(labelBytes, 1, key);
                WriteString(labelBytes, 2, text);
            }

            var startMs = start.ToUnixTimeMilliseconds();
            var samplesLength = 0;
            for (var m = first; m < last; m++)
            {
                var sampleLength = 1 + 8 + 1 + VarintSize((ulong)(startMs + (m * 60_000L)));
                samplesLength += 1 + VarintSize((ulong)sampleLength) + sampleLength;
            }

            WriteTag(_buffer, 1, 2);
            WriteVarint(_buffer, (ulong)(labelBytes.WrittenCount + samplesLength));
            _buffer.Write(labelBytes.WrittenSpan);
            for (var m = first; m < last; m++)
            {
                var timestamp = (ulong)(startMs + (m * 60_000L));
                WriteTag(_buffer, 2, 2);
                WriteVarint(_buffer, (ulong)(1 + 8 + 1 + VarintSize(timestamp)));
                WriteTag(_buffer, 1, 1);
                BinaryPrimitives.WriteDoubleLittleEndian(_buffer.GetSpan(8), value(m));
                _buffer.Advance(8);
                WriteTag(_buffer, 2, 0);
                WriteVarint(_buffer, timestamp);
                Samples++;
            }
        }

        public byte[] ToSnappyBody() => Snappier.Snappy.CompressToArray(_buffer.WrittenSpan);

        private static void WriteString(ArrayBufferWriter<byte> output, int field, string text)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            WriteTag(output, field, 2);
            WriteVarint(output, (ulong)length);
            Encoding.UTF8.GetBytes(text, output.GetSpan(length));
            output.Advance(length);
        }

        private static void WriteTag(ArrayBufferWriter<byte> output, int field, int wireType) => WriteVarint(output, (ulong)((field << 3) | wireType));

        private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
        {
            var span = output.GetSpan(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }

            span[i++] = (byte)value;
            output.Advance(i);
        }

        private static int VarintSize(ulong value)
        {
            var size = 1;
            while (value >= 0x80)
            {
                value >>= 7;
                size++;
            }

            return size;
        }
    }
}
