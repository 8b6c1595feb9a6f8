using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry;
using MatchType = Vigil.Core.Telemetry.MatchType;

// Usage: dotnet run -c Release -- [samples|logs|spans|query|memory|sqlite|all] [dir]
var what = args.Length > 0 ? args[0] : "all";
var root = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "vigil-storebench");
var now = DateTimeOffset.FromUnixTimeMilliseconds(1_767_225_600_000);
var time = new FixedClock(now);
const int Writers = 16;

if (what is "samples" or "all") await Samples(Writers, 2_000, 150);
if (what is "samples-small" or "all") await Samples(64, 100, 750);
if (what is "logs" or "all") await Logs();
if (what is "spans" or "all") await Spans();
if (what is "query" or "all") await Query();
if (what is "memory" or "all") await Memory();
if (what is "sqlite" or "all") Sqlite();
if (what is "codec" or "all") Codec();
if (what is "realistic" or "all") await Realistic();

async Task Realistic()
{
    // Counters with random increments and gauges with noise, scraped every 15 s with +-200 ms jitter, for 2 h.
    await using var store = await Open("realistic");
    var rng = new Random(11);
    var series = MakeSeries(2_000);
    var counters = new double[series.Length];
    for (var k = 0; k < 480; k += 20)
    {
        var batch = new List<SeriesSample>();
        for (var s = 0; s < series.Length; s++)
            for (var j = k; j < k + 20; j++)
            {
                var t = 1_767_225_600_000 + (j * 15_000L) + rng.Next(-200, 200);
                var v = s % 2 == 0 ? (counters[s] += rng.Next(0, 50)) : Math.Round(50 + (rng.NextDouble() * 10), 2);
                batch.Add(new SeriesSample(series[s], t, v));
            }
        await store.AppendAsync(TelemetryBatch.OfSamples(batch), CancellationToken.None);
    }
    await store.FlushAsync(CancellationToken.None);
    var stats = store.GetStats();
    Console.WriteLine($"realistic: counters and gauges with jitter: block {(stats.DiskBytes - stats.WalBytes) / (2_000.0 * 480):F2} B/sample");
}

void Codec()
{
    // Pages of 512 log records as the block writer lays them out (varint lengths + UTF-8 fields), compressed whole.
    var pages = new List<byte[]>();
    var rng = new Random(7);
    for (var p = 0; p < 200; p++)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        for (var i = 0; i < 512; i++)
        {
            var n = (p * 512) + i;
            w.Write7BitEncodedInt64(1_767_225_600_000_000_000L + (n * 10_000L)); w.Write(9); w.Write("INFO");
            w.Write($"GET /api/v1/orders/{rng.Next(9973)} completed with status {(rng.Next(50) == 0 ? 500 : 200)} in {rng.Next(350)} ms for user u{rng.Next(1000)}");
            w.Write("http.route"); w.Write("/api/v1/orders/{id}"); w.Write("http.status_code"); w.Write("200");
            var tid = new byte[16]; rng.NextBytes(tid); w.Write(tid); w.Write("Shop.Orders");
        }
        pages.Add(ms.ToArray());
    }
    var raw = pages.Sum(p => (long)p.Length);
    foreach (var q in new[] { 1, 3, 5, 7 })
    {
        var sw = Stopwatch.StartNew(); long c = 0;
        foreach (var page in pages) { var dst = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(page.Length)]; System.IO.Compression.BrotliEncoder.TryCompress(page, dst, out var n, q, 22); c += n; }
        Console.WriteLine($"codec: brotli q{q}: ratio {raw / (double)c:F1}x, {raw / sw.Elapsed.TotalSeconds / 1e6:F0} MB/s");
    }
    foreach (var level in new[] { System.IO.Compression.CompressionLevel.Fastest, System.IO.Compression.CompressionLevel.Optimal })
    {
        var sw = Stopwatch.StartNew(); long c = 0;
        foreach (var page in pages) { using var ms = new MemoryStream(); using (var z = new System.IO.Compression.ZLibStream(ms, level, leaveOpen: true)) z.Write(page); c += ms.Length; }
        Console.WriteLine($"codec: zlib {level}: ratio {raw / (double)c:F1}x, {raw / sw.Elapsed.TotalSeconds / 1e6:F0} MB/s");
    }
}

async Task<EmbeddedTelemetryStore> Open(string name, Action<TelemetryStoreOptions>? configure = null)
{
    var dir = Path.Combine(root, name);
    if (Directory.Exists(dir)) Directory.Delete(dir, true);
    var options = new TelemetryStoreOptions { DataDirectory = dir, MaxHeadBytes = 4L << 30, MaxPendingWriteBytes = 256L << 20 };
    configure?.Invoke(options);
    return await EmbeddedTelemetryStore.OpenAsync(options, time, NullLogger.Instance, CancellationToken.None);
}

static LabelSet[] MakeSeries(int n) => Enumerable.Range(0, n).Select(i => LabelSet.From(
    ("__name__", "http_server_request_duration_seconds_bucket"), ("service_name", "svc" + (i % 20)), ("service_version", "1.4." + (i % 3)),
    ("deployment_environment_name", "prod"), ("service_instance_id", "pod-" + (i % 200) + "-" + (i / 600)), ("http_route", "/api/v1/r" + (i % 50)),
    ("le", (i % 12).ToString(CultureInfo.InvariantCulture)), ("job", "shop/svc" + (i % 20)))).ToArray();

async Task Samples(int writers, int perBatch, int batchesPerWriter)
{
    await using var store = await Open("samples");
    const int seriesCount = 20_000;
    // Two equal copies: requests carry their own LabelSet instances, so lookups compare contents, not references.
    var copies = new[] { MakeSeries(seriesCount), MakeSeries(seriesCount) };
    var total = (long)writers * batchesPerWriter * perBatch;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        var samples = new SeriesSample[perBatch];
        for (var b = 0; b < batchesPerWriter; b++)
        {
            var round = (w * batchesPerWriter) + b;
            var set = copies[round & 1];
            for (var i = 0; i < perBatch; i++)
            {
                var s = ((round * perBatch) + i) % seriesCount;
                samples[i] = new SeriesSample(set[s], 1_767_225_600_000 + (((round * perBatch) + i) / seriesCount * 15_000L), i);
            }
            await store.AppendAsync(TelemetryBatch.OfSamples(samples.ToArray()), CancellationToken.None);
        }
    })));
    sw.Stop();
    var stats = store.GetStats();
    Console.WriteLine($"samples: {total:N0} in {sw.Elapsed.TotalSeconds:F2}s = {total / sw.Elapsed.TotalSeconds:N0} samples/s ({writers} writers, {perBatch} samples/batch, {seriesCount:N0} series, fsync on); WAL {stats.WalBytes / (double)total:F1} B/sample");
    sw.Restart();
    await store.FlushAsync(CancellationToken.None);
    stats = store.GetStats();
    Console.WriteLine($"samples: flush to block {sw.Elapsed.TotalSeconds:F2}s, block {stats.DiskBytes - stats.WalBytes:N0} B = {(stats.DiskBytes - stats.WalBytes) / (double)total:F2} B/sample");
    var stored = store.SelectSamples([LabelMatcher.MetricName("http_server_request_duration_seconds_bucket")], 0, long.MaxValue, 1_000_000);
    Console.WriteLine($"samples: verify {stored.Count:N0} series, {stored.Sum(s => (long)s.Samples.Count):N0} samples, blocks {stats.Blocks}");
}

async Task Logs()
{
    await using var store = await Open("logs");
    const int perBatch = 500, batchesPerWriter = 100;
    var resources = Enumerable.Range(0, 10).Select(i => new TelemetryResource([
        new("service.name", "svc" + i), new("service.version", "1.4.2"), new("deployment.environment.name", "prod"),
        new("service.instance.id", "pod-" + i), new("host.name", "node-" + i), new("telemetry.sdk.language", "dotnet")])).ToArray();
    var total = (long)Writers * batchesPerWriter * perBatch;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
    {
        for (var b = 0; b < batchesPerWriter; b++)
        {
            var logs = new LogRecord[perBatch];
            for (var i = 0; i < perBatch; i++)
            {
                var n = (((w * batchesPerWriter) + b) * perBatch) + i;
                var t = 1_767_225_600_000_000_000L + (n * 10_000L);
                logs[i] = new LogRecord(t, t, 9, "INFO", $"GET /api/v1/orders/{n % 9973} completed with status 200 in {n % 350} ms for user u{n % 1000}",
                    [new("http.route", "/api/v1/orders/{id}"), new("http.status_code", "200")], (n % 7 == 0) ? n.ToString("x32", CultureInfo.InvariantCulture) : "", "", resources[n % 10], "Shop.Orders");
            }
            await store.AppendAsync(TelemetryBatch.OfLogs(logs), CancellationToken.None);
        }
    })));
    sw.Stop();
    var stats = store.GetStats();
    Console.WriteLine($"logs: {total:N0} in {sw.Elapsed.TotalSeconds:F2}s = {total / sw.Elapsed.TotalSeconds:N0} logs/s ({Writers} writers, {perBatch}/batch); WAL {stats.WalBytes / (double)total:F0} B/log");
    sw.Restart();
    await store.FlushAsync(CancellationToken.None);
    stats = store.GetStats();
    Console.WriteLine($"logs: flush {sw.Elapsed.TotalSeconds:F2}s, block {(stats.DiskBytes - stats.WalBytes) / (double)total:F1} B/log");
    Measure("logs: newest 100, no filter", () => store.QueryLogs(new LogQuery(Limit: 100)).Records.Count);
    Measure("logs: newest 100, service=svc3", () => store.QueryLogs(new LogQuery(Service: "svc3", Limit: 100)).Records.Count);
    Measure("logs: contains 'orders/42 ' (rare, full scan)", () => store.QueryLogs(new LogQuery(Contains: "orders/42 ", Limit: 100)).Records.Count);
}

async Task Spans()
{
    await using var store = await Open("spans");
    const int perBatch = 500, batchesPerWriter = 100;
    var resources = Enumerable.Range(0, 10).Select(i => new TelemetryResource([new("service.name", "svc" + i), new("service.version", "1.4.2"), new("deployment.environment.name", "prod")])).ToArray();
    var total = (long)Writers * batchesPerWriter * perBatch;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
    {
        for (var b = 0; b < batchesPerWriter; b++)
        {
            var spans = new SpanRecord[perBatch];
            for (var i = 0; i < perBatch; i++)
            {
                var n = (((w * batchesPerWriter) + b) * perBatch) + i;
                var t = 1_767_225_600_000_000_000L + (n * 10_000L);
                spans[i] = new SpanRecord((n / 8).ToString("x32", CultureInfo.InvariantCulture), n.ToString("x16", CultureInfo.InvariantCulture),
                    n % 8 == 0 ? "" : (n - (n % 8)).ToString("x16", CultureInfo.InvariantCulture), n % 8 == 0 ? "GET /api/v1/orders/{id}" : "SELECT orders",
                    SpanKind.Server, t, t + 1_000_000 + (n % 5000), n % 100 == 0 ? SpanStatusCode.Error : SpanStatusCode.Unset, "",
                    [new("http.method", "GET"), new("http.route", "/api/v1/orders/{id}"), new("db.system", "postgresql")], [], [], resources[(n / 8) % 10], "Shop");
            }
            await store.AppendAsync(TelemetryBatch.OfSpans(spans), CancellationToken.None);
        }
    })));
    sw.Stop();
    var stats = store.GetStats();
    Console.WriteLine($"spans: {total:N0} in {sw.Elapsed.TotalSeconds:F2}s = {total / sw.Elapsed.TotalSeconds:N0} spans/s ({Writers} writers, {perBatch}/batch); WAL {stats.WalBytes / (double)total:F0} B/span");
    Measure("traces: get one (head)", () => store.GetTrace((total / 16).ToString("x32", CultureInfo.InvariantCulture)).Count);
    Measure("traces: query newest 20 (head)", () => store.QueryTraces(new TraceQuery(Limit: 20)).Count);
    sw.Restart();
    await store.FlushAsync(CancellationToken.None);
    stats = store.GetStats();
    Console.WriteLine($"spans: flush {sw.Elapsed.TotalSeconds:F2}s, block {(stats.DiskBytes - stats.WalBytes) / (double)total:F1} B/span");
    Measure("traces: get one (block)", () => store.GetTrace((total / 16).ToString("x32", CultureInfo.InvariantCulture)).Count);
    Measure("traces: query newest 20 (block)", () => store.QueryTraces(new TraceQuery(Limit: 20)).Count);
    Measure("traces: query status=error, newest 20 (block)", () => store.QueryTraces(new TraceQuery(Status: SpanStatusCode.Error, Limit: 20)).Count);
}

async Task Query()
{
    await using var store = await Open("query");
    const int seriesCount = 10_000, points = 240; // 1 h at 15 s
    var series = MakeSeries(seriesCount);
    for (var p = 0; p < points; p += 10)
    {
        var batch = new List<SeriesSample>(seriesCount * 10);
        foreach (var s in series)
            for (var k = p; k < p + 10; k++) batch.Add(new SeriesSample(s, 1_767_225_600_000 + (k * 15_000L), k * 1.5));
        await store.AppendAsync(TelemetryBatch.OfSamples(batch), CancellationToken.None);
    }
    var all = new[] { LabelMatcher.MetricName("http_server_request_duration_seconds_bucket") };
    var few = new[] { LabelMatcher.MetricName("http_server_request_duration_seconds_bucket"), new LabelMatcher("service_instance_id", MatchType.Equal, "pod-7-0"), new LabelMatcher("le", MatchType.Regex, "1|7") };
    const long from = 1_767_225_600_000, to = from + 3_600_000;
    Measure("series: 10,000 series x 1 h (head)", () => store.SelectSamples(all, from, to, 100_000).Sum(s => s.Samples.Count));
    Measure("series: few series (=, =~) x 1 h (head)", () => store.SelectSamples(few, from, to, 100).Sum(s => s.Samples.Count));
    await store.FlushAsync(CancellationToken.None);
    Measure("series: 10,000 series x 1 h (block)", () => store.SelectSamples(all, from, to, 100_000).Sum(s => s.Samples.Count));
    Measure("series: few series (=, =~) x 1 h (block)", () => store.SelectSamples(few, from, to, 100).Sum(s => s.Samples.Count));
    Measure("series: SelectSeries 10,000 (block)", () => store.SelectSeries(all, from, to, 100_000).Count);
}

async Task Memory()
{
    await using var store = await Open("memory");
    const int n = 100_000;
    var series = MakeSeries(n);
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    var before = GC.GetTotalMemory(true);
    for (var i = 0; i < n; i += 10_000)
        await store.AppendAsync(TelemetryBatch.OfSamples([.. series[i..(i + 10_000)].Select(s => new SeriesSample(s, 1_767_225_600_000, 1))]), CancellationToken.None);
    var after = GC.GetTotalMemory(true);
    Console.WriteLine($"memory: head with {n:N0} series (1 sample each, label sets shared with the caller): {(after - before) / (double)n:F0} B/series");
    GC.KeepAlive(series);
}

void Sqlite()
{
    // The alternative block engine: the same samples as rows (series, ts, value) in a WITHOUT ROWID table.
    var dir = Path.Combine(root, "sqlite");
    if (Directory.Exists(dir)) Directory.Delete(dir, true);
    Directory.CreateDirectory(dir);
    var path = Path.Combine(dir, "block.db");
    using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
    connection.Open();
    using (var pragma = connection.CreateCommand()) { pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE samples(series INTEGER, ts INTEGER, value REAL, PRIMARY KEY(series, ts)) WITHOUT ROWID;"; pragma.ExecuteNonQuery(); }
    const int seriesCount = 10_000, points = 240;
    var sw = Stopwatch.StartNew();
    using (var tx = connection.BeginTransaction())
    using (var insert = connection.CreateCommand())
    {
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO samples VALUES ($s, $t, $v)";
        var ps = insert.Parameters.Add("$s", SqliteType.Integer); var pt = insert.Parameters.Add("$t", SqliteType.Integer); var pv = insert.Parameters.Add("$v", SqliteType.Real);
        insert.Prepare();
        for (var s = 0; s < seriesCount; s++)
            for (var k = 0; k < points; k++) { ps.Value = s; pt.Value = 1_767_225_600_000 + (k * 15_000L); pv.Value = k * 1.5; insert.ExecuteNonQuery(); }
        tx.Commit();
    }
    sw.Stop();
    using (var checkpoint = connection.CreateCommand()) { checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);"; checkpoint.ExecuteNonQuery(); }
    var total = (long)seriesCount * points;
    Console.WriteLine($"sqlite: insert {total:N0} samples {total / sw.Elapsed.TotalSeconds:N0} samples/s, file {new FileInfo(path).Length / (double)total:F1} B/sample");
    Measure("sqlite: 10,000 series x 1 h", () =>
    {
        using var q = connection.CreateCommand();
        q.CommandText = "SELECT series, ts, value FROM samples WHERE ts BETWEEN $a AND $b ORDER BY series, ts";
        q.Parameters.AddWithValue("$a", 1_767_225_600_000); q.Parameters.AddWithValue("$b", 1_767_225_600_000 + 3_600_000);
        using var r = q.ExecuteReader(); var n = 0; while (r.Read()) { _ = r.GetInt64(0); _ = r.GetInt64(1); _ = r.GetDouble(2); n++; }
        return n;
    });
}

static void Measure(string name, Func<int> query)
{
    var result = query(); // warm up (and load indexes)
    var runs = new List<double>();
    for (var i = 0; i < 5; i++) { var sw = Stopwatch.StartNew(); result = query(); runs.Add(sw.Elapsed.TotalMilliseconds); }
    runs.Sort();
    Console.WriteLine($"{name}: median {runs[2]:F1} ms (min {runs[0]:F1}) -> {result:N0}");
}

sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
