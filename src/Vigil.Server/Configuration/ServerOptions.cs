namespace Vigil.Server.Configuration;

/// <summary>Where the server listens and keeps its data (section <c>server</c> of vigil.yaml).</summary>
public sealed class ServerOptions
{
    /// <summary>UI and REST API address, also serving OTLP/HTTP under <c>/v1/*</c>. Default <c>127.0.0.1:7070</c>: loopback unless configured otherwise.</summary>
    public string Listen { get; set; } = "127.0.0.1:7070";

    /// <summary>OTLP/gRPC address. Default <c>127.0.0.1:4317</c>, the OTLP standard port; empty disables it.</summary>
    public string OtlpGrpc { get; set; } = "127.0.0.1:4317";

    /// <summary>OTLP/HTTP address. Default <c>127.0.0.1:4318</c>, the OTLP standard port; empty disables it.</summary>
    public string OtlpHttp { get; set; } = "127.0.0.1:4318";

    /// <summary>Folder for telemetry and state. Default <c>./vigil-data</c>, relative to the working directory.</summary>
    public string DataDirectory { get; set; } = "./vigil-data";

    /// <summary>When set, a JSON file with the bound addresses written once the server listens (for tests and scripts).</summary>
    public string? ReadyFile { get; set; }

    /// <summary>How long a stop (SIGTERM) may take to flush and exit. Default 15s: enough to fsync and write a block.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>API keys (section <c>security</c>).</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Require an API key on every endpoint. Default false on loopback for a frictionless first run; forced on
    /// whenever any address is not loopback.
    /// </summary>
    public bool RequireApiKeys { get; set; }

    /// <summary>How long a verified key is remembered, to keep hashing off the hot intake path. Default 30s; a revocation through this server takes effect at once.</summary>
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most keys remembered at once. Default 10,000: bounded, far more than any deployment uses.</summary>
    public int KeyCacheSize { get; set; } = 10_000;
}

/// <summary>Limits of the query API (section <c>query</c>).</summary>
public sealed class QueryOptions
{
    /// <summary>The most series one raw query returns. Default 10,000: an answer stays a few megabytes.</summary>
    public int MaxSeries { get; set; } = 10_000;

    /// <summary>The most log records or traces in one page. Default 1,000.</summary>
    public int MaxPageSize { get; set; } = 1_000;

    /// <summary>The most samples one raw query returns. Default 5,000,000: about 100 MB of JSON; narrow the window or the selector beyond.</summary>
    public int MaxSamples { get; set; } = 5_000_000;
}
