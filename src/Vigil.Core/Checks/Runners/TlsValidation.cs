using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Core.Checks.Runners;

/// <summary>Judges a server certificate: host name, and chain against the system store or a CA file.</summary>
internal static class TlsValidation
{
    /// <summary>What the handshake's validation callback saw.</summary>
    internal sealed class Seen
    {
        public DateTime? NotAfter { get; set; }

        public string? Subject { get; set; }

        public bool NameMatches { get; set; }

        public string? ChainProblem { get; set; }

        public string? Rejection { get; set; }
    }

    /// <summary>The CA certificates of a PEM file; throws <see cref="IOException"/> with a readable message when it cannot be read.</summary>
    public static X509Certificate2Collection LoadCaFile(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new CheckTargetException($"caFile {path}: {e.Message}", e);
        }

        if (collection.Count == 0)
        {
            throw new CheckTargetException($"caFile {path}: no certificates in it");
        }

        return collection;
    }

    /// <summary>Records what <paramref name="certificate"/> is, and whether its chain and name hold.</summary>
    public static void Inspect(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? trust, Seen seen)
    {
        if (certificate is not X509Certificate2 cert)
        {
            seen.ChainProblem = "the server sent no certificate";
            return;
        }

        seen.NotAfter = cert.NotAfter.ToUniversalTime();
        seen.Subject = cert.Subject;
        seen.NameMatches = (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;
        if (trust is null)
        {
            if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                seen.ChainProblem = Describe(chain);
            }

            return;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(trust);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (!custom.Build(cert))
        {
            seen.ChainProblem = Describe(custom);
        }
    }

    /// <summary>The callback verdict for a client: accept when skipping verification, else when chain and name hold.</summary>
    public static bool Accept(Seen seen, bool insecureSkipVerify, string serverName)
    {
        if (insecureSkipVerify)
        {
            return true;
        }

        if (seen.ChainProblem is not null)
        {
            seen.Rejection = $"certificate not trusted: {seen.ChainProblem}";
            return false;
        }

        if (!seen.NameMatches)
        {
            seen.Rejection = $"certificate ({seen.Subject}) is not valid for {serverName}";
            return false;
        }

        return true;
    }

    private static string Describe(X509Chain? chain)
    {
        if (chain is null || chain.ChainStatus.Length == 0)
        {
            return "the chain does not build to a trusted root";
        }

        return string.Join("; ", chain.ChainStatus.Select(s => s.Status switch
        {
            X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
            X509ChainStatusFlags.UntrustedRoot => "issued by an untrusted root",
            X509ChainStatusFlags.PartialChain => "the chain does not build to a trusted root",
            _ => s.StatusInformation.Trim().Length > 0 ? s.StatusInformation.Trim() : s.Status.ToString(),
        }).Distinct());
    }
}
