using Vigil.Core.Telemetry.Intake;
using Vigil.Storage.Telemetry;

namespace Vigil.Server.Configuration;

/// <summary>
/// Every setting of a Vigil server, one property per section of <c>vigil.yaml</c>. docs/configuration.md is the
/// reference; each options class documents its defaults.
/// </summary>
public sealed class VigilOptions
{
    /// <summary>The section names, as written in vigil.yaml.</summary>
    public static IReadOnlyList<string> SectionNames { get; } = ["server", "security", "query", "storage", "intake", "spanMetrics", "metricsSource", "verification", "checks"];

    /// <summary>Addresses, data folder, shutdown.</summary>
    public ServerOptions Server { get; } = new();

    /// <summary>API keys.</summary>
    public SecurityOptions Security { get; } = new();

    /// <summary>Query API limits.</summary>
    public QueryOptions Query { get; } = new();

    /// <summary>The embedded telemetry store: retention, limits, block sizing. Its folder is always <c>server.dataDirectory/telemetry</c>.</summary>
    public TelemetryStoreOptions Storage { get; } = new();

    /// <summary>OTLP intake limits and validation.</summary>
    public IntakeOptions Intake { get; } = new();

    /// <summary>Span metrics derived at intake.</summary>
    public SpanMetricsOptions SpanMetrics { get; } = new();

    /// <summary>The top-level <c>scrape_configs</c> list (Prometheus's schema); empty when none are configured.</summary>
    public IReadOnlyList<Vigil.Core.Scrape.ScrapeConfig> ScrapeConfigs { get; set; } = [];

    /// <summary>Where PromQL runs (embedded or an external Prometheus-compatible server) and where derived series are remote-written.</summary>
    public MetricsSourceOptions MetricsSource { get; } = new();

    /// <summary>Verification runs and verdict webhooks.</summary>
    public Verification.VerificationOptions Verification { get; } = new();

    /// <summary>Synthetic checks: the local location, bounds, retention.</summary>
    public Checks.ChecksOptions Checks { get; } = new();

    /// <summary>The options object for a section name (case-insensitive), or null for an unknown section.</summary>
    public object? Section(string name) => name.ToLowerInvariant() switch
    {
        "server" => Server,
        "security" => Security,
        "query" => Query,
        "storage" => Storage,
        "intake" => Intake,
        "spanmetrics" => SpanMetrics,
        "metricssource" => MetricsSource,
        "verification" => Verification,
        "checks" => Checks,
        _ => null,
    };

    /// <summary>Checks values that binding alone cannot, adding one message per problem.</summary>
    public void Validate(List<string> errors)
    {
        ValidateAddress("server.listen", Server.Listen, allowEmpty: false, errors);
        ValidateAddress("server.otlpGrpc", Server.OtlpGrpc, allowEmpty: true, errors);
        ValidateAddress("server.otlpHttp", Server.OtlpHttp, allowEmpty: true, errors);
        if (string.IsNullOrWhiteSpace(Server.DataDirectory))
        {
            errors.Add("server.dataDirectory: must not be empty");
        }

        Positive("server.shutdownTimeout", Server.ShutdownTimeout, errors);
        Positive("security.keyCacheDuration", Security.KeyCacheDuration, errors);
        Positive("security.keyCacheSize", Security.KeyCacheSize, errors);
        Positive("query.maxSeries", Query.MaxSeries, errors);
        Positive("query.maxPageSize", Query.MaxPageSize, errors);
        Positive("query.maxSamples", Query.MaxSamples, errors);
        if (Storage.DataDirectory != new TelemetryStoreOptions().DataDirectory)
        {
            errors.Add("storage.dataDirectory: not settable; telemetry lives in server.dataDirectory/telemetry");
        }

        // Intake refuses points older than what the store keeps.
        Intake.MaxAge = Storage.RetentionAge;
        errors.AddRange(Storage.Validate().Select(e => "storage: " + e));
        errors.AddRange(Intake.Validate());
        errors.AddRange(SpanMetrics.Validate());
        MetricsSource.Validate(errors);
        Verification.Validate(errors);
        Checks.Validate(errors);
    }

    /// <summary>The parsed listen addresses that are enabled.</summary>
    public IEnumerable<(string Name, ListenAddress Address)> ListenAddresses()
    {
        foreach (var (name, text) in new[] { ("http", Server.Listen), ("otlpGrpc", Server.OtlpGrpc), ("otlpHttp", Server.OtlpHttp) })
        {
            if (!string.IsNullOrWhiteSpace(text) && ListenAddress.TryParse(text, out var address, out _))
            {
                yield return (name, address!);
            }
        }
    }

    internal static void Positive(string path, TimeSpan value, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{path}: must be a positive duration");
        }
    }

    internal static void Positive(string path, long value, List<string> errors)
    {
        if (value <= 0)
        {
            errors.Add($"{path}: must be positive");
        }
    }

    private static void ValidateAddress(string path, string value, bool allowEmpty, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (!allowEmpty)
            {
                errors.Add($"{path}: must not be empty");
            }

            return;
        }

        if (!ListenAddress.TryParse(value, out _, out var error))
        {
            errors.Add($"{path}: {error}");
        }
    }
}
