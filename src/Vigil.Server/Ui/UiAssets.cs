using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Vigil.Server.Ui;

/// <summary>
/// The browser assets of the web UI (our CSS and scripts, uPlot from npm), embedded in this assembly at build time and
/// served under <c>/ui/assets/</c>: Vigil needs no network at run time and no static-web-assets manifest beside it.
/// URLs carry a content hash (<see cref="Url"/>), so a browser may cache them for a year and still never sees a stale file.
/// </summary>
public static class UiAssets
{
    /// <summary>The path under which assets are served.</summary>
    public const string BasePath = "/ui/assets";

    private const string ResourcePrefix = "vigil-ui/";

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    /// <summary>The URL of an embedded asset, with its content hash as the cache key.</summary>
    /// <exception cref="ArgumentException">No asset has that name (a typo in a page is a bug, found by the first render).</exception>
    public static string Url(string name) =>
        Assets.Value.TryGetValue(name, out var asset)
            ? $"{BasePath}/{name}?v={asset.Hash}"
            : throw new ArgumentException($"no embedded UI asset is called '{name}'", nameof(name));

    /// <summary>Maps <c>GET /ui/assets/{name}</c>; needs no key, so the login page can load its styles.</summary>
    public static IEndpointConventionBuilder MapUiAssets(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMethods(BasePath + "/{name}", ["GET", "HEAD"], (string name, string? v, HttpContext context) =>
        {
            if (!Assets.Value.TryGetValue(name, out var asset))
            {
                return Results.NotFound();
            }

            var headers = context.Response.GetTypedHeaders();
            headers.ETag = new EntityTagHeaderValue($"\"{asset.Hash}\"");
            headers.CacheControl = v == asset.Hash
                ? new CacheControlHeaderValue { Public = true, MaxAge = TimeSpan.FromDays(365), Extensions = { new NameValueHeaderValue("immutable") } }
                : new CacheControlHeaderValue { NoCache = true };
            if (context.Request.GetTypedHeaders().IfNoneMatch.Any(e => e.Tag == headers.ETag.Tag))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Bytes(asset.Content, asset.ContentType);
        }).ExcludeFromDescription();

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource[ResourcePrefix.Length..];
            assets[name] = new Asset(content, Convert.ToHexStringLower(SHA256.HashData(content))[..16], ContentType(name));
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string Hash, string ContentType);
}
