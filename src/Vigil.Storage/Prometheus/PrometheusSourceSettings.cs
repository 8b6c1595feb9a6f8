using System.Net.Http.Headers;

namespace Vigil.Storage.Prometheus;

/// <summary>How to reach an external Prometheus-compatible query API.</summary>
public sealed class PrometheusSourceSettings
{
    /// <summary>The default bound on one answer: 256 MiB of JSON, a few million samples.</summary>
    public const long DefaultMaxResponseBytes = 256L * 1024 * 1024;

    /// <summary>The server's base address, e.g. <c>http://prometheus:9090</c> (a path prefix is kept); no credentials in it.</summary>
    public required Uri BaseAddress { get; init; }

    /// <summary>The <c>Authorization</c> header sent with every request (basic or bearer), or null for none. Never logged.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>How long one request may take, connection included. Default 2 minutes, Prometheus's own query timeout.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The largest answer read; a bigger one fails with <c>execution</c> (422). Default <see cref="DefaultMaxResponseBytes"/>.</summary>
    public long MaxResponseBytes { get; init; } = DefaultMaxResponseBytes;
}
