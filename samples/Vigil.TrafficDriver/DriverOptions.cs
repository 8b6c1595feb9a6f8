using System.Globalization;
using Vigil.Samples.CommandLine;

namespace Vigil.TrafficDriver;

/// <summary>One target URL and its share of the traffic.</summary>
internal sealed record Target(Uri Url, int Weight);

/// <summary>The driver's options; each may also come from <c>DRIVER_NAME</c> (targets comma-separated).</summary>
internal sealed record DriverOptions(
    IReadOnlyList<Target> Targets,
    double RequestsPerSecond,
    TimeSpan? Duration,
    int Concurrency,
    TimeSpan ReportEvery,
    TimeSpan RequestTimeout)
{
    /// <summary>The usage text.</summary>
    public const string Usage = """
        Vigil.TrafficDriver: sends GET requests at a fixed total rate, spread over targets by weight, and prints a
        summary line periodically.

          --target URL[=WEIGHT]   a URL to send to, repeatable; weights are whole numbers (default 1)
          --rps R                 total requests per second over all targets (default 40)
          --duration DURATION     stop after this long (30s, 2m); default: until Ctrl+C or SIGTERM
          --concurrency N         at most this many requests in flight (default 64)
          --report-every DURATION how often to print a summary line (default 5s)
          --timeout DURATION      one request's timeout (default 10s)

        Request i goes out at start + i / rps to the target that smooth weighted round robin picks, so a run
        with the same options sends the same requests to the same targets. Every option may also come from
        DRIVER_<NAME> (DRIVER_RPS=80, DRIVER_TARGET=url1,url2).
        """;

    private static readonly string[] Known = ["target", "rps", "duration", "concurrency", "report-every", "timeout"];

    /// <summary>Parses the command line; null when help was asked for.</summary>
    /// <exception cref="ArgumentException">An option is unknown or invalid.</exception>
    public static DriverOptions? Parse(IReadOnlyList<string> args)
    {
        var reader = new ArgumentReader(args, Known, "DRIVER_");
        if (reader.HelpRequested)
        {
            return null;
        }

        var targets = reader.All("target").Select(ParseTarget).ToList();
        if (targets.Count == 0)
        {
            throw new ArgumentException("give at least one --target URL (for example --target http://127.0.0.1:8080/checkout)");
        }

        var rps = reader.Number("rps", 40, minimum: 0.001);
        return new DriverOptions(
            targets,
            rps,
            reader.Duration("duration"),
            (int)reader.Integer("concurrency", 64, minimum: 1),
            reader.Duration("report-every") ?? TimeSpan.FromSeconds(5),
            reader.Duration("timeout") ?? TimeSpan.FromSeconds(10));
    }

    private static Target ParseTarget(string text)
    {
        // The weight follows the last '=' only when what follows is a number: query strings may hold '=' too.
        var equals = text.LastIndexOf('=');
        if (equals > 0 && int.TryParse(text[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
        {
            return weight > 0
                ? new Target(ArgumentReader.ParseUrl("target", text[..equals]), weight)
                : throw new ArgumentException($"--target weight must be at least 1, not {weight} in '{text}'");
        }

        return new Target(ArgumentReader.ParseUrl("target", text), 1);
    }
}
