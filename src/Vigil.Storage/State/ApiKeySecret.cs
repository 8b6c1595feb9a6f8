using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Security;

namespace Vigil.Storage.State;

/// <summary>
/// The text form of API key secrets: <c>vgl_&lt;scope letter&gt;_&lt;32 base62 characters&gt;</c>, for example
/// <c>vgl_r_4fTq...</c>. The fixed prefix lets secret scanners and people recognise a leaked Vigil key; the scope
/// letter (<c>i</c>, <c>r</c>, <c>a</c>) tells at a glance what it unlocks, but the database, not the letter, decides.
/// </summary>
internal static class ApiKeySecret
{
    /// <summary>Random characters in a secret: 32 base62 characters carry 190 bits of entropy.</summary>
    public const int RandomLength = 32;

    /// <summary>The longest secret looked up; anything longer is not ours and is rejected before hashing.</summary>
    public const int MaxLength = 128;

    private const string Prefix = "vgl_";
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string IdAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    /// <summary>A new secret for a key of <paramref name="scope"/>, from the operating system's CSPRNG.</summary>
    public static string Generate(ApiKeyScope scope) =>
        string.Concat(Prefix, ScopeLetter(scope), "_", RandomNumberGenerator.GetString(Base62, RandomLength));

    /// <summary>A new key id, <c>key_</c> and 8 lowercase letters or digits (41 bits: unique enough, retried on collision).</summary>
    public static string NewId() => "key_" + RandomNumberGenerator.GetString(IdAlphabet, 8);

    /// <summary>True when <paramref name="text"/> has the shape of a Vigil secret (prefix, scope letter, base62 body).</summary>
    public static bool HasSecretShape(string? text)
    {
        if (text is null || text.Length < Prefix.Length + 2 + RandomLength || text.Length > MaxLength ||
            !text.StartsWith(Prefix, StringComparison.Ordinal) || text[Prefix.Length + 1] != '_' ||
            "ira".IndexOf(text[Prefix.Length], StringComparison.Ordinal) < 0)
        {
            return false;
        }

        foreach (var c in text.AsSpan(Prefix.Length + 2))
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// SHA-256 of the UTF-8 secret. A fast hash is the right tool here, as for GitHub's tokens: slow, salted hashes
    /// (bcrypt, Argon2) exist to protect low-entropy passwords from guessing, but a 190-bit random secret cannot be
    /// guessed at any hash speed, and an unsalted digest can be looked up through a unique index on every request.
    /// </summary>
    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static char ScopeLetter(ApiKeyScope scope) => scope switch
    {
        ApiKeyScope.Ingest => 'i',
        ApiKeyScope.Read => 'r',
        ApiKeyScope.Admin => 'a',
        _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown API key scope."),
    };
}
