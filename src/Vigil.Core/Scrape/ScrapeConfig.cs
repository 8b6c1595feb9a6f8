namespace Vigil.Core.Scrape;

/// <summary>
/// One <c>scrape_configs</c> entry, in Prometheus's own schema and with its defaults. Built and validated by the
/// server's configuration reader; immutable afterwards.
/// </summary>
public sealed record ScrapeConfig
{
    /// <summary>Default <see cref="ScrapeInterval"/>: one minute, Prometheus's global default.</summary>
    public static readonly TimeSpan DefaultScrapeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Default <see cref="ScrapeTimeout"/>: ten seconds (capped at the interval), Prometheus's global default.</summary>
    public static readonly TimeSpan DefaultScrapeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The <c>job</c> label and scrape pool name; unique across the configuration.</summary>
    public required string JobName { get; init; }

    /// <summary>How often each target is scraped.</summary>
    public TimeSpan ScrapeInterval { get; init; } = DefaultScrapeInterval;

    /// <summary>How long one scrape may take; at most <see cref="ScrapeInterval"/>.</summary>
    public TimeSpan ScrapeTimeout { get; init; } = DefaultScrapeTimeout;

    /// <summary>The HTTP path scraped, <c>/metrics</c> by default.</summary>
    public string MetricsPath { get; init; } = "/metrics";

    /// <summary><c>http</c> (default) or <c>https</c>.</summary>
    public string Scheme { get; init; } = "http";

    /// <summary>URL query parameters sent with every scrape (<c>params</c>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Params { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>When true, labels exposed by the target win over target labels; otherwise exposed ones become <c>exported_*</c>.</summary>
    public bool HonorLabels { get; init; }

    /// <summary>When true (default), timestamps exposed by the target are kept; otherwise the scrape time is used.</summary>
    public bool HonorTimestamps { get; init; } = true;

    /// <summary>The most samples (after metric relabeling) a scrape may have before it fails; 0 means no limit.</summary>
    public int SampleLimit { get; init; }

    /// <summary>Basic authentication, or null.</summary>
    public BasicAuth? BasicAuth { get; init; }

    /// <summary>An <c>Authorization</c> header (<c>authorization</c> or <c>bearer_token</c>), or null.</summary>
    public AuthorizationCredentials? Authorization { get; init; }

    /// <summary>Targets listed in the configuration.</summary>
    public IReadOnlyList<TargetGroup> StaticConfigs { get; init; } = [];

    /// <summary>File-based discovery.</summary>
    public IReadOnlyList<FileSdConfig> FileSdConfigs { get; init; } = [];

    /// <summary>Steps applied to each target's labels before scraping.</summary>
    public IReadOnlyList<RelabelConfig> RelabelConfigs { get; init; } = [];

    /// <summary>Steps applied to each scraped sample's labels before storing.</summary>
    public IReadOnlyList<RelabelConfig> MetricRelabelConfigs { get; init; } = [];
}

/// <summary>Basic authentication: a user name and a password given inline or read from a file at each scrape.</summary>
public sealed record BasicAuth(string Username, string? Password, string? PasswordFile);

/// <summary>An <c>Authorization</c> header: a type (<c>Bearer</c> by default) and credentials inline or from a file.</summary>
public sealed record AuthorizationCredentials(string Type, string? Credentials, string? CredentialsFile);

/// <summary><c>file_sd_configs</c>: file globs holding target groups (JSON or YAML), re-read on change and every <see cref="RefreshInterval"/>.</summary>
public sealed record FileSdConfig(IReadOnlyList<string> Files, TimeSpan RefreshInterval)
{
    /// <summary>Default <see cref="RefreshInterval"/>, five minutes as in Prometheus.</summary>
    public static readonly TimeSpan DefaultRefreshInterval = TimeSpan.FromMinutes(5);
}

/// <summary>A group of targets sharing labels, as in <c>static_configs</c> and file_sd files.</summary>
/// <param name="Targets">Addresses (<c>host:port</c>).</param>
/// <param name="Labels">Labels added to every target of the group.</param>
/// <param name="Source">Where the group came from (for messages and <c>__meta_filepath</c>).</param>
public sealed record TargetGroup(IReadOnlyList<string> Targets, IReadOnlyDictionary<string, string> Labels, string Source);
