using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Security;
using Vigil.Server.Configuration;

namespace Vigil.Server.Security;

/// <summary>
/// Verifies presented API keys against the key store, remembering recent answers for a short time so the intake hot
/// path does not hit the database on every request. The cache is keyed by a hash of the secret, never the secret.
/// </summary>
public sealed class ApiKeyVerifier(IApiKeyStore store, SecurityOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    /// <summary>The key a secret belongs to, or null when it is unknown.</summary>
    public async ValueTask<ApiKey?> VerifyAsync(string secret, CancellationToken cancellationToken)
    {
        var cacheKey = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(cacheKey, out var cached) && cached.Expires > now)
        {
            return cached.Key;
        }

        var key = await store.FindBySecretAsync(secret, cancellationToken);
        if (_cache.Count >= options.KeyCacheSize)
        {
            // Bounded: drop everything rather than track recency; a refill costs one lookup per key.
            _cache.Clear();
        }

        _cache[cacheKey] = (key, now + options.KeyCacheDuration);
        return key;
    }

    /// <summary>Forgets every remembered answer (after a key is revoked).</summary>
    public void Invalidate() => _cache.Clear();
}
