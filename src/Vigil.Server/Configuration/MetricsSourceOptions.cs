using System.Net.Http.Headers;
using System.Text;
using Vigil.Storage.Prometheus;

namespace Vigil.Server.Configuration;

/// <summary>Where PromQL runs.</summary>
public enum MetricsSourceKind
{
    /// <summary>The embedded engine over Vigil's own store (the default).</summary>
    Embedded,

    /// <summary>An external Prometheus-compatible server (Prometheus, VictoriaMetrics, Mimir, Thanos) at <see cref="MetricsSourceOptions.Url"/>.</summary>
    Prometheus,
}

/// <summary>
/// The metrics source (section <c>metricsSource</c>): the embedded store, or an external Prometheus-compatible server
/// whose query API answers every PromQL query and which receives, by remote-write, every series Vigil derives.
/// Secrets (<see cref="Password"/>, <see cref="BearerToken"/> and the files' contents) are never logged or shown in errors.
/// </summary>
public sealed class MetricsSourceOptions
{
    /// <summary>The least <see cref="QueueMaxBytes"/>: one 64 KiB segment.</summary>
    public const long MinQueueBytes = 64 * 1024;

    /// <summary><c>embedded</c> (default) or <c>prometheus</c>.</summary>
    public MetricsSourceKind Kind { get; set; } = MetricsSourceKind.Embedded;

    /// <summary>The server's base address, e.g. <c>http://prometheus:9090</c> (a path prefix such as Mimir's <c>/prometheus</c> is kept). Required for <c>prometheus</c>.</summary>
    public string? Url { get; set; }

    /// <summary>Basic-auth user name.</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password; prefer <see cref="PasswordFile"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file whose content (trimmed) is the basic-auth password, read at start.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>A bearer token; prefer <see cref="BearerTokenFile"/>.</summary>
    public string? BearerToken { get; set; }

    /// <summary>A file whose content (trimmed) is the bearer token, read at start.</summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>How long one query or one remote-write request may take. Default 2m, Prometheus's default query timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The largest query answer read. Default 256MiB: a few million samples; a bigger answer fails with 422.</summary>
    public long MaxResponseBytes { get; set; } = PrometheusSourceSettings.DefaultMaxResponseBytes;

    /// <summary>Where derived series are remote-written. Default <c>URL/api/v1/write</c> (Prometheus needs <c>--web.enable-remote-write-receiver</c>).</summary>
    public string? RemoteWriteUrl { get; set; }

    /// <summary>Remote-write derived series to the server. Default true: nothing Vigil computes is lost.</summary>
    public bool RemoteWrite { get; set; } = true;

    /// <summary>
    /// The bound on the persisted remote-write queue (<c>server.dataDirectory/remote-write</c>). Default 1GiB: hours of
    /// span metrics for a few hundred operations while the server is down. When full, the oldest unsent samples are dropped.
    /// </summary>
    public long QueueMaxBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>The most samples in one remote-write request. Default 2,000, a few hundred KB before compression.</summary>
    public int MaxSamplesPerSend { get; set; } = 2_000;

    /// <summary>The first retry delay after a failed remote-write request; doubled on each failure. Default 100ms.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest retry delay (a <c>Retry-After</c> from the server is honoured up to 5 minutes). Default 5s, as Prometheus.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the section, one message per problem, never echoing a secret.</summary>
    public void Validate(List<string> errors)
    {
        VigilOptions.Positive("metricsSource.timeout", Timeout, errors);
        VigilOptions.Positive("metricsSource.maxResponseBytes", MaxResponseBytes, errors);
        VigilOptions.Positive("metricsSource.maxSamplesPerSend", MaxSamplesPerSend, errors);
        VigilOptions.Positive("metricsSource.minBackoff", MinBackoff, errors);
        if (MaxBackoff < MinBackoff)
        {
            errors.Add("metricsSource.maxBackoff: must not be shorter than minBackoff");
        }

        if (QueueMaxBytes < MinQueueBytes)
        {
            errors.Add($"metricsSource.queueMaxBytes: must be at least 64KiB ({MinQueueBytes} bytes)");
        }

        if (Kind != MetricsSourceKind.Prometheus)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Url))
        {
            errors.Add("metricsSource.url: required when kind is prometheus (e.g. http://prometheus:9090)");
        }
        else
        {
            ValidateUrl("metricsSource.url", Url, errors);
        }

        if (!string.IsNullOrWhiteSpace(RemoteWriteUrl))
        {
            ValidateUrl("metricsSource.remoteWriteUrl", RemoteWriteUrl, errors);
        }

        var basic = !string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(PasswordFile);
        var bearer = !string.IsNullOrEmpty(BearerToken) || !string.IsNullOrEmpty(BearerTokenFile);
        if (basic && bearer)
        {
            errors.Add("metricsSource: set basic auth (username, password/passwordFile) or a bearer token (bearerToken/bearerTokenFile), not both");
        }

        if (!string.IsNullOrEmpty(Password) && !string.IsNullOrEmpty(PasswordFile))
        {
            errors.Add("metricsSource: set password or passwordFile, not both");
        }

        if (!string.IsNullOrEmpty(BearerToken) && !string.IsNullOrEmpty(BearerTokenFile))
        {
            errors.Add("metricsSource: set bearerToken or bearerTokenFile, not both");
        }

        if (string.IsNullOrEmpty(Username) && (!string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(PasswordFile)))
        {
            errors.Add("metricsSource.username: required with password or passwordFile");
        }

        ValidateFile("metricsSource.passwordFile", PasswordFile, errors);
        ValidateFile("metricsSource.bearerTokenFile", BearerTokenFile, errors);
    }

    /// <summary>The query API settings, secrets read from their files. Call after <see cref="Validate"/> passed.</summary>
    public PrometheusSourceSettings ToSourceSettings() => new()
    {
        BaseAddress = new Uri(Url!.Trim()),
        Authorization = Authorization(),
        Timeout = Timeout,
        MaxResponseBytes = MaxResponseBytes,
    };

    /// <summary>The remote-write endpoint: <see cref="RemoteWriteUrl"/>, or <c>URL/api/v1/write</c>.</summary>
    public Uri RemoteWriteAddress() => string.IsNullOrWhiteSpace(RemoteWriteUrl)
        ? new Uri(Url!.Trim().TrimEnd('/') + "/api/v1/write")
        : new Uri(RemoteWriteUrl.Trim());

    /// <summary>The <c>Authorization</c> header for the configured credentials, or null.</summary>
    public AuthenticationHeaderValue? Authorization()
    {
        var token = !string.IsNullOrEmpty(BearerTokenFile) ? File.ReadAllText(BearerTokenFile).Trim() : BearerToken;
        if (!string.IsNullOrEmpty(token))
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }

        if (string.IsNullOrEmpty(Username))
        {
            return null;
        }

        var password = !string.IsNullOrEmpty(PasswordFile) ? File.ReadAllText(PasswordFile).Trim() : Password ?? string.Empty;
        return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Username + ":" + password)));
    }

    private static void ValidateUrl(string path, string text, List<string> errors)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"{path}: must be an absolute http:// or https:// address");
            return;
        }

        // Never echo the address here: it may carry credentials.
        if (uri.UserInfo.Length > 0)
        {
            errors.Add($"{path}: must not carry credentials; use username and passwordFile (or bearerTokenFile)");
        }
    }

    private static void ValidateFile(string path, string? file, List<string> errors)
    {
        if (string.IsNullOrEmpty(file))
        {
            return;
        }

        try
        {
            using var stream = File.OpenRead(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{path}: cannot read {file}: {ex.Message}");
        }
    }
}
