using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Server.Tests.Checks.Runners;

/// <summary>
/// Certificates generated for a test run: a CA (written to a PEM file for <c>caFile</c>) and leaves it signed: a good
/// one for app.test/localhost/127.0.0.1, one that expired yesterday, one for another host, one that expires in 5 days.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public TestCertificates()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Vigil Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        Ca = caRequest.CreateSelfSigned(now.AddDays(-60), now.AddDays(365));
        Good = Leaf(Ca, "app.test", now.AddDays(-1), now.AddDays(90), 1, "app.test", "localhost");
        Expired = Leaf(Ca, "expired.test", now.AddDays(-30), now.AddDays(-1), 2, "expired.test");
        WrongHost = Leaf(Ca, "else.test", now.AddDays(-1), now.AddDays(90), 3, "else.test");
        Soon = Leaf(Ca, "soon.test", now.AddDays(-1), now.AddDays(5).AddHours(12), 4, "soon.test");
        Directory = System.IO.Directory.CreateTempSubdirectory("vigil-checks-certs-").FullName;
        CaFile = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Good { get; }

    public X509Certificate2 Expired { get; }

    public X509Certificate2 WrongHost { get; }

    public X509Certificate2 Soon { get; }

    public string Directory { get; }

    public string CaFile { get; }

    /// <summary>The certificate served for an SNI name: expired.test, wrong.test and soon.test get theirs, anything else the good one.</summary>
    public X509Certificate2 For(string? serverName) => serverName switch
    {
        "expired.test" => Expired,
        "wrong.test" => WrongHost,
        "soon.test" => Soon,
        _ => Good,
    };

    public void Dispose()
    {
        foreach (var cert in new[] { Ca, Good, Expired, WrongHost, Soon })
        {
            cert.Dispose();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, byte serial, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var signed = request.Create(ca, notBefore, notAfter, [serial, 0x42]);
        using var withKey = signed.CopyWithPrivateKey(key);
        // Through PKCS#12 so the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }
}
