using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Secrets;

/// <summary>
/// Decides what is secret in a snapshot and reduces it to a <see cref="SecretFingerprint"/>: by name (key, secret, token,
/// password, passwd, pwd, credential, apikey, private, passphrase), by value shape (a connection string or URL carrying a
/// password, a bearer token, a JWT, a PEM block, a long high-entropy string) and by user patterns over names. The
/// fingerprint is HMAC-SHA256 keyed by <c>VIGIL_DRIFT_KEY</c> (hex), or presence only without a key.
/// </summary>
public sealed partial class SecretRedactor : ISecretRedactor
{
    /// <summary>The variable holding the HMAC key, hex; it is read only from the environment and never printed.</summary>
    public const string KeyVariable = "VIGIL_DRIFT_KEY";

    /// <summary>The shortest key accepted, in bytes (128 bits).</summary>
    public const int MinKeyBytes = 16;

    /// <summary>Shortest run of characters judged by entropy: shorter random strings are too few to tell from words.</summary>
    public const int MinEntropyLength = 24;

    /// <summary>What replaces a secret inside text.</summary>
    public const string Mask = "***";

    // A value longer than this is judged by its first part only: shapes are found near the start of real secrets, and
    // the regexes stay linear in a bounded input.
    private const int MaxJudgedLength = 64 * 1024;

    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(200);

    // Words that make a name secret wherever they appear inside it (ApiKey, DB_PASSWORD, clientSecret).
    private static readonly string[] SecretSubstrings =
        ["password", "passwd", "passphrase", "secret", "credential", "apikey", "accesskey", "privatekey", "token"];

    // Short words that make a name secret only as a whole token (KEY, Pwd, private), so "monkey" or "keyboard" stay plain.
    private static readonly HashSet<string> SecretTokens = new(StringComparer.Ordinal) { "key", "pwd", "pass", "private", "pat" };

    // A name whose last token describes the secret rather than holding it (TOKEN_URL, KeyId, PASSWORD_FILE) is not secret
    // by name; its value is still judged by shape.
    private static readonly HashSet<string> DescriptorTokens = new(StringComparer.Ordinal)
    {
        "name", "id", "path", "file", "dir", "directory", "size", "length", "type", "uri", "url", "alias", "version", "location",
        "count", "format", "algorithm", "algorithms", "enabled", "disabled", "region", "endpoint", "host", "port", "timeout", "ttl",
        "expiry", "expiration", "lifetime", "header", "scheme", "mode", "rotation", "store", "provider", "policy", "source",
        "issuer", "audience", "claim", "prefix", "min", "max", "minutes", "seconds", "days", "hours", "vault", "kind", "label",
    };

    private readonly byte[]? _key;
    private readonly Regex[] _namePatterns;

    /// <summary>Creates a redactor.</summary>
    /// <param name="key">The HMAC key (at least <see cref="MinKeyBytes"/> bytes), or null for presence-only fingerprints.</param>
    /// <param name="namePatterns">Extra regular expressions over names (case-insensitive) that make a value secret.</param>
    /// <exception cref="ArgumentException">A pattern is not a valid regular expression, or the key is too short.</exception>
    public SecretRedactor(byte[]? key = null, IEnumerable<string>? namePatterns = null)
    {
        if (key is not null && key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the key must have at least {MinKeyBytes} bytes ({MinKeyBytes * 2} hex digits).", nameof(key));
        }

        _key = key?.ToArray();
        var patterns = new List<Regex>();
        foreach (var pattern in namePatterns ?? [])
        {
            try
            {
                patterns.Add(new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"'{pattern}' is not a regular expression: {e.Message}", nameof(namePatterns), e);
            }
        }

        _namePatterns = [.. patterns];
    }

    /// <summary>True when fingerprints carry an HMAC (a key was given).</summary>
    public bool HasKey => _key is not null;

    /// <summary>
    /// Reads a hex key (<see cref="KeyVariable"/>'s value). Answers false with a reason that never contains the text.
    /// </summary>
    public static bool TryParseKey(string hex, out byte[] key, out string error)
    {
        key = [];
        var text = (hex ?? "").Trim();
        if (text.Length == 0 || text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit))
        {
            error = $"{KeyVariable} must be hex digits (an even number of them).";
            return false;
        }

        if (text.Length < MinKeyBytes * 2)
        {
            error = $"{KeyVariable} must have at least {MinKeyBytes * 2} hex digits ({MinKeyBytes} bytes); generate one with 'openssl rand -hex 32'.";
            return false;
        }

        key = Convert.FromHexString(text);
        error = "";
        return true;
    }

    /// <inheritdoc />
    public bool IsSecret(string name, string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            // Nothing to hide: an empty value is recorded as empty, so "set but empty" stays visible.
            return false;
        }

        return IsSecretName(name ?? "") || HasSecretShape(value);
    }

    /// <summary>True when <paramref name="name"/> says its value is secret (by the built-in words or a user pattern).</summary>
    public bool IsSecretName(string name)
    {
        foreach (var pattern in _namePatterns)
        {
            try
            {
                if (pattern.IsMatch(name))
                {
                    return true;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pattern that cannot decide in time errs on the safe side.
                return true;
            }
        }

        var tokens = Tokens(name);
        if (tokens.Count == 0 || DescriptorTokens.Contains(tokens[^1]))
        {
            return false;
        }

        foreach (var token in tokens)
        {
            if (SecretTokens.Contains(token))
            {
                return true;
            }

            foreach (var word in SecretSubstrings)
            {
                if (token.Contains(word, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        // Words run together without separators, as in "dbpassword" or "x-apikey".
        var joined = string.Concat(tokens);
        return SecretSubstrings.Any(w => joined.Contains(w, StringComparison.Ordinal));
    }

    /// <summary>True when <paramref name="value"/> looks like a secret whatever its name.</summary>
    public static bool HasSecretShape(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var text = value.Length > MaxJudgedLength ? value[..MaxJudgedLength] : value;
        var hints = Hints.Of(text);
        return (hints.Pem && PemBlock().IsMatch(text)) ||
            (hints.Jwt && Jwt().IsMatch(text)) ||
            (hints.Assignment && ConnectionStringPassword().IsMatch(text)) ||
            (hints.Url && UrlPassword().IsMatch(text)) ||
            (hints.Scheme && BearerToken().IsMatch(text)) ||
            (hints.Assignment && hints.SecretWord && SecretAssignment().IsMatch(text)) ||
            (text.Length >= MinEntropyLength && CandidateTokens(text).Any(IsHighEntropy));
    }

    /// <inheritdoc />
    public SecretFingerprint Fingerprint(string value)
    {
        if (_key is null)
        {
            return new SecretFingerprint(null);
        }

        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(value ?? ""));
        return new SecretFingerprint(Convert.ToHexStringLower(mac));
    }

    /// <inheritdoc />
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        // Each pattern runs only when a cheap scan finds what it needs: sources and reasons are redacted once per item.
        var hints = Hints.Of(text);
        var result = text;
        if (hints.Pem)
        {
            result = PemBlock().Replace(result, Mask);
        }

        if (hints.Jwt)
        {
            result = Jwt().Replace(result, Mask);
        }

        if (hints.Url)
        {
            result = UrlPassword().Replace(result, m => m.Groups["head"].Value + Mask + "@");
        }

        if (hints.Assignment)
        {
            result = ConnectionStringPassword().Replace(result, m => m.Groups["name"].Value + "=" + Mask);
            if (hints.SecretWord)
            {
                result = SecretAssignment().Replace(result, m => m.Groups["name"].Value + m.Groups["sep"].Value + Mask);
            }
        }

        if (hints.Scheme)
        {
            result = BearerToken().Replace(result, m => m.Groups["scheme"].Value + " " + Mask);
        }

        return result.Length >= MinEntropyLength ? CandidateToken().Replace(result, m => IsHighEntropy(m.Value) ? Mask : m.Value) : result;
    }

    /// <summary>
    /// The Shannon entropy of <paramref name="text"/> in bits per character (0 for an empty string; log2 of the number of
    /// distinct characters at most).
    /// </summary>
    public static double ShannonEntropy(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        var counts = new Dictionary<char, int>();
        foreach (var c in text)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        double entropy = 0;
        foreach (var count in counts.Values)
        {
            var p = (double)count / text.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy;
    }

    /// <summary>
    /// True when one token looks like a random secret: at least <see cref="MinEntropyLength"/> characters mixing upper
    /// case, lower case and digits (so hex digests, UUIDs, version strings and words are left alone), not a path or
    /// URL, and an entropy close to the most its length allows.
    /// </summary>
    internal static bool IsHighEntropy(string token)
    {
        if (token.Length < MinEntropyLength || token.Length > 4096)
        {
            return false;
        }

        if (token[0] is '/' or '.' or '~' || token.Contains("://", StringComparison.Ordinal) ||
            token.StartsWith("sha1-", StringComparison.Ordinal) || token.StartsWith("sha256-", StringComparison.Ordinal) ||
            token.StartsWith("sha384-", StringComparison.Ordinal) || token.StartsWith("sha512-", StringComparison.Ordinal))
        {
            return false;
        }

        bool upper = false, lower = false, digit = false;
        var separators = 0;
        foreach (var c in token)
        {
            upper |= char.IsAsciiLetterUpper(c);
            lower |= char.IsAsciiLetterLower(c);
            digit |= char.IsAsciiDigit(c);
            if (c is '/' or '.' or '\\' or '-' or '_' or ':')
            {
                separators++;
            }
        }

        // Paths, dotted names and kebab-case words have many separators; random strings have few.
        if (!(upper && lower && digit) || separators > token.Length / 8)
        {
            return false;
        }

        var threshold = Math.Min(4.5, 0.9 * Math.Log2(token.Length));
        return ShannonEntropy(token) >= threshold;
    }

    private static IEnumerable<string> CandidateTokens(string text) =>
        CandidateToken().Matches(text).Select(m => m.Value);

    /// <summary>Splits a name into lower-case words at separators and camelCase boundaries: <c>ApiKey</c> → api, key.</summary>
    internal static List<string> Tokens(string name)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }

            if (current.Length > 0 && char.IsUpper(c) &&
                (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
            {
                Flush();
            }

            current.Append(char.ToLowerInvariant(c));
        }

        Flush();
        return tokens;

        void Flush()
        {
            if (current.Length > 0)
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
        }
    }

    /// <summary>What a text contains that some pattern needs; computed with plain searches, so most texts skip the regexes.</summary>
    private readonly record struct Hints(bool Pem, bool Jwt, bool Url, bool Assignment, bool Scheme, bool SecretWord)
    {
        private static readonly string[] Words = ["password", "passwd", "secret", "token", "apikey", "api_key", "access_key", "credential"];

        public static Hints Of(string text)
        {
            var assignment = text.Contains('=', StringComparison.Ordinal) || text.Contains(':', StringComparison.Ordinal);
            return new Hints(
                text.Contains("-----BEGIN", StringComparison.Ordinal),
                text.Contains("eyJ", StringComparison.Ordinal),
                text.Contains("://", StringComparison.Ordinal) && text.Contains('@', StringComparison.Ordinal),
                assignment,
                text.Contains("bearer", StringComparison.OrdinalIgnoreCase) || text.Contains("basic", StringComparison.OrdinalIgnoreCase) ||
                    text.Contains("token", StringComparison.OrdinalIgnoreCase),
                assignment && Words.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase)));
        }
    }

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]{1,40}-----[\s\S]*?(?:-----END [A-Z0-9 ]{1,40}-----|$)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex PemBlock();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Jwt();

    // Password=...; or pwd=... inside an ADO.NET / JDBC / libpq connection string.
    [GeneratedRegex(@"(?<name>\b(?:password|pwd|passwd))\s*=\s*(?:""[^""]*""|'[^']*'|[^;&\s]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex ConnectionStringPassword();

    // scheme://user:password@host
    [GeneratedRegex(@"(?<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic|Token))\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex BearerToken();

    // name=value or name: value where the name says secret (query strings, properties lines inside a value).
    [GeneratedRegex(@"(?<name>\b[A-Za-z0-9_.-]*(?:password|passwd|secret|token|apikey|api_key|access_key|credential)[A-Za-z0-9_.-]*)(?<sep>\s*[=:]\s*)(?:""[^""]*""|'[^']*'|[^\s;&,""']+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"[A-Za-z0-9+/=_\-.:~\\]{24,}", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex CandidateToken();
}
