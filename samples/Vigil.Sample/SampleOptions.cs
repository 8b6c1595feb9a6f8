using Vigil.Samples.CommandLine;

namespace Vigil.Sample;

/// <summary>
/// The sample's knobs. Every one is deterministic so an end-to-end test knows exactly what the service does:
/// request number n fails when <c>n % FailEvery == 0</c>, and waits <c>LatencyMs x LatencyFactor + jitter(seed, n)</c>.
/// Each option also reads from <c>SAMPLE_NAME</c> (<c>--fail-every</c> from <c>SAMPLE_FAIL_EVERY</c>).
/// </summary>
internal sealed record SampleOptions(
    string Service,
    string Version,
    string Environment,
    string Instance,
    long FailEvery,
    double LatencyMs,
    double LatencyFactor,
    double JitterMs,
    long Seed,
    Uri Listen,
    string? ReadyFile,
    Uri Otlp,
    TimeSpan ExportDelay)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Vigil.Sample: a small checkout service instrumented with the OpenTelemetry SDK, exporting traces and logs over OTLP.

          --service NAME          service.name (default checkout)
          --version V             service.version (default 1.0.0)
          --environment E         deployment.environment.name (default dev)
          --instance ID           service.instance.id (default HOST-PID)
          --fail-every N          every Nth /checkout answers 500 and its span is an error; 0 = never (default 0)
          --latency-ms BASE       base latency of /checkout in ms (default 20)
          --latency-factor F      multiplies the base latency (default 1)
          --jitter-ms J           adds a seeded uniform jitter in [0, J) ms per request (default 0)
          --seed S                the jitter's seed (default 1)
          --listen URL            where to listen; port 0 picks a free one (default http://127.0.0.1:8080)
          --ready-file FILE       write {"http": "<bound address>"} here once listening
          --otlp URL              Vigil's OTLP/HTTP endpoint (default http://127.0.0.1:4318)
          --export-delay DURATION how long the batch exporters wait between exports (default 500ms)

        Every option may also come from SAMPLE_<NAME> (SAMPLE_FAIL_EVERY=20).
        """;

    private static readonly string[] Known =
    [
        "service", "version", "environment", "instance", "fail-every", "latency-ms", "latency-factor", "jitter-ms", "seed",
        "listen", "ready-file", "otlp", "export-delay",
    ];

    /// <summary>Parses the command line (and <c>SAMPLE_*</c> variables); null when help was asked for.</summary>
    /// <exception cref="ArgumentException">An option is unknown or its value is invalid.</exception>
    public static SampleOptions? Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader(args, Known, "SAMPLE_");
        if (reader.HelpRequested)
        {
            return null;
        }

        var service = NonEmpty(reader, "service", "checkout");
        return new SampleOptions(
            service,
            NonEmpty(reader, "version", "1.0.0"),
            NonEmpty(reader, "environment", "dev"),
            NonEmpty(reader, "instance", $"{System.Environment.MachineName}-{System.Environment.ProcessId}"),
            reader.Integer("fail-every", 0),
            reader.Number("latency-ms", 20),
            reader.Number("latency-factor", 1),
            reader.Number("jitter-ms", 0),
            reader.Integer("seed", 1, long.MinValue),
            reader.Url("listen", "http://127.0.0.1:8080"),
            reader.Text("ready-file"),
            reader.Url("otlp", "http://127.0.0.1:4318"),
            reader.Duration("export-delay") ?? TimeSpan.FromMilliseconds(500));
    }

    private static string NonEmpty(ArgumentReader reader, string name, string fallback)
    {
        var value = reader.Text(name, fallback)!;
        return value.Trim().Length > 0 ? value : throw new ArgumentException($"--{name} must not be empty");
    }
}
