using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Sources;

namespace Vigil.Core.Tests.Drift.Sources;

public sealed class RuntimeSourceTests
{
    private const string Jvm = "usr/lib/jvm/java-17-openjdk-amd64";

    [Fact]
    public async Task Collect_PlantedDebianTree_ReadsOsKernelRuntimesAndLimits()
    {
        using var tree = new PlantedTree()
            .Write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n")
            .Write("proc/sys/kernel/osrelease", "6.1.0-18-amd64\n")
            .Folder("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.10")
            .Folder("usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.9")
            .Folder("usr/share/dotnet/shared/Microsoft.AspNetCore.App/8.0.10")
            .Write("usr/local/include/node/node_version.h", "#define NODE_MAJOR_VERSION 20\n#define NODE_MINOR_VERSION 11\n#define NODE_PATCH_VERSION 1\n")
            .Write("usr/lib/python3.11/os.py", "")
            .Folder("usr/lib/python3.9")
            .Write("etc/timezone", "Europe/Paris\n")
            .Write("etc/default/locale", "LANG=en_US.UTF-8\n")
            .Write("sys/fs/cgroup/cpu.max", "150000 100000\n")
            .Write("sys/fs/cgroup/memory.max", "536870912\n")
            .Write("etc/crypto-policies/config", "# system policy\nFUTURE\n")
            .Write("var/lib/dpkg/status", "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\nPackage: nodejs\nStatus: install ok installed\nVersion: 18.19.0+dfsg-6~deb12u1\n");

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        Assert.Equal("debian 12", Collect.Value(items, "os"));
        Assert.Equal("6.1.0-18-amd64", Collect.Value(items, "kernel"));
        Assert.Equal("8.0.9, 8.0.10", Collect.Value(items, "dotnet:Microsoft.NETCore.App"));
        Assert.Equal("8.0.10", Collect.Value(items, "dotnet:Microsoft.AspNetCore.App"));
        Assert.Equal("20.11.1", Collect.Value(items, "node"));
        Assert.Equal("3.11", Collect.Value(items, "python"));
        Assert.Equal("3.0.11", Collect.Value(items, "openssl"));
        Assert.Equal("FUTURE", Collect.Value(items, "crypto-policy"));
        Assert.Equal("Europe/Paris", Collect.Value(items, "timezone"));
        Assert.Equal("en_US.UTF-8", Collect.Value(items, "locale"));
        Assert.Equal("1.5", Collect.Value(items, "cpu.max"));
        Assert.Equal("536870912", Collect.Value(items, "memory.max"));
        Assert.Equal(DriftItemKinds.Limit, Collect.Single(items, "cpu.max").Kind);
        Assert.Equal(DriftItemKinds.RuntimeVersion, Collect.Single(items, "node").Kind);
        Assert.All(items, i => Assert.Equal(DriftCategories.Runtime, i.Category));
    }

    [Fact]
    public async Task Collect_Java17_ReadsVersionCryptoPolicyDisabledAlgorithmsAndCacertsCount()
    {
        using var tree = new PlantedTree()
            .Write(Jvm + "/release", "IMPLEMENTOR=\"Debian\"\nJAVA_VERSION=\"17.0.9\"\n")
            .Write(Jvm + "/conf/security/java.security", "# java.security\ncrypto.policy=unlimited\njdk.tls.disabledAlgorithms=SSLv3, TLSv1, \\\n    RC4, DES,  MD5withRSA\n")
            .WriteBytes(Jvm + "/lib/security/cacerts", Jks(Certificates(3)));

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        Assert.Equal("17.0.9", Collect.Value(items, "java"));
        Assert.Equal("unlimited", Collect.Value(items, "java:17:crypto.policy"));
        Assert.Equal("DES, MD5withRSA, RC4, SSLv3, TLSv1", Collect.Value(items, "java:17:jdk.tls.disabledAlgorithms"));
        var cacerts = Collect.Single(items, "java:17:cacerts");
        Assert.Equal("3", cacerts.Value);
        Assert.Equal(DriftItemKinds.Crypto, cacerts.Kind);
    }

    [Fact]
    public async Task Collect_CacertsLinkWithAbsoluteTarget_IsResolvedInsideTheRoot()
    {
        using var tree = new PlantedTree()
            .Write(Jvm + "/release", "JAVA_VERSION=\"17.0.9\"\n")
            .WriteBytes("etc/ssl/certs/java/cacerts", Jks(Certificates(2)))
            .Link(Jvm + "/lib/security/cacerts", "/etc/ssl/certs/java/cacerts");

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        var cacerts = Collect.Single(items, "java:17:cacerts");
        Assert.Equal("2", cacerts.Value);
        Assert.Equal("etc/ssl/certs/java/cacerts", cacerts.Source);
    }

    [Fact]
    public async Task Collect_EmptyCacerts_CountsZero()
    {
        using var tree = new PlantedTree()
            .Write(Jvm + "/release", "JAVA_VERSION=\"17.0.9\"\n")
            .WriteBytes(Jvm + "/lib/security/cacerts", Jks([]));

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        Assert.Equal("0", Collect.Value(items, "java:17:cacerts"));
    }

    [Theory]
    [InlineData("changeit", 4)]
    [InlineData(null, 2)]
    [InlineData("changeit", 0)]
    public void CountKeyStoreEntries_Pkcs12_CountsTheCertificates(string? password, int count)
    {
        var collection = new X509Certificate2Collection(Certificates(count).ToArray());
        var pkcs12 = collection.Export(X509ContentType.Pkcs12, password)!;

        Assert.Equal(count, RuntimeSource.CountKeyStoreEntries(pkcs12));
    }

    [Fact]
    public async Task Collect_DamagedCacerts_IsUnreadableAndTheOtherFactsStay()
    {
        using var tree = new PlantedTree()
            .Write("etc/os-release", "ID=debian\nVERSION_ID=12\n")
            .Write(Jvm + "/release", "JAVA_VERSION=\"17.0.9\"\n")
            .Write(Jvm + "/conf/security/java.security", "crypto.policy=limited\n")
            .Write(Jvm + "/lib/security/cacerts", "not a key store");

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        var cacerts = Collect.Single(items, "java:17:cacerts");
        Assert.Equal(DriftItemKinds.Unreadable, cacerts.Kind);
        Assert.Equal("could not read: not a JKS, JCEKS or PKCS#12 key store", cacerts.Value);
        Assert.Equal("limited", Collect.Value(items, "java:17:crypto.policy"));
        Assert.Equal("debian 12", Collect.Value(items, "os"));
    }

    [Fact]
    public async Task Collect_OpenSsl_FollowsIncludesToTheSystemDefaultSection()
    {
        using var tree = new PlantedTree()
            .Write("etc/ssl/openssl.cnf", """
                # Debian's layout
                openssl_conf = openssl_init
                .include /etc/ssl/openssl.d

                [openssl_init]
                ssl_conf = ssl_sect

                [ssl_sect]
                system_default = system_default_sect
                """)
            .Write("etc/ssl/openssl.d/10-policy.cnf", """
                [system_default_sect]
                MinProtocol = TLSv1.2
                CipherString = DEFAULT@SECLEVEL=2   # comment
                """);

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        Assert.Equal("TLSv1.2", Collect.Value(items, "openssl:MinProtocol"));
        Assert.Equal("DEFAULT@SECLEVEL=2", Collect.Value(items, "openssl:CipherString"));
        Assert.Equal("2", Collect.Value(items, "openssl:SecurityLevel"));
        Assert.Equal(DriftItemKinds.Crypto, Collect.Single(items, "openssl:MinProtocol").Kind);
    }

    [Fact]
    public async Task Collect_TimeZoneFromTheLocaltimeLink_AndVariablesWin()
    {
        using var tree = new PlantedTree().Link("etc/localtime", "/usr/share/zoneinfo/America/New_York");

        var fromLink = await Collect.RunAsync(new RuntimeSource(), tree.Context());
        var fromVariables = await Collect.RunAsync(new RuntimeSource(), tree.Context(variables: new Dictionary<string, string> { ["TZ"] = "UTC", ["LANG"] = "C.UTF-8" }));

        Assert.Equal("America/New_York", Collect.Value(fromLink, "timezone"));
        Assert.Equal("UTC", Collect.Value(fromVariables, "timezone"));
        Assert.Equal("C.UTF-8", Collect.Value(fromVariables, "locale"));
    }

    [Fact]
    public async Task Collect_CgroupUnlimited_SaysUnlimited()
    {
        using var tree = new PlantedTree()
            .Write("sys/fs/cgroup/cpu.max", "max 100000\n")
            .Write("sys/fs/cgroup/memory.max", "max\n");

        var items = await Collect.RunAsync(new RuntimeSource(), tree.Context());

        Assert.Equal("unlimited", Collect.Value(items, "cpu.max"));
        Assert.Equal("unlimited", Collect.Value(items, "memory.max"));
    }

    [Fact]
    public async Task Collect_EmptyTree_RecordsNothing()
    {
        using var tree = new PlantedTree();

        Assert.Empty(await Collect.RunAsync(new RuntimeSource(), tree.Context()));
    }

    private static List<X509Certificate2> Certificates(int count)
    {
        var certificates = new List<X509Certificate2>();
        for (var i = 0; i < count; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=Test CA {i}", key, HashAlgorithmName.SHA256);
            var notBefore = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
            certificates.Add(request.CreateSelfSigned(notBefore, notBefore.AddYears(10)));
        }

        return certificates;
    }

    // A JKS key store of trusted certificate entries, as keytool writes it (the trailing digest is not checked by the reader).
    private static byte[] Jks(List<X509Certificate2> certificates)
    {
        using var stream = new MemoryStream();
        Int32(0xFEEDFEED);
        Int32(2);
        Int32((uint)certificates.Count);
        foreach (var (certificate, index) in certificates.Select((c, i) => (c, i)))
        {
            Int32(2);
            Utf("ca" + index);
            var time = new byte[8];
            BinaryPrimitives.WriteInt64BigEndian(time, 1_735_689_600_000);
            stream.Write(time);
            Utf("X.509");
            var der = certificate.RawData;
            Int32((uint)der.Length);
            stream.Write(der);
        }

        stream.Write(new byte[20]);
        return stream.ToArray();

        void Int32(uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
            stream.Write(bytes);
        }

        void Utf(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            stream.WriteByte((byte)(bytes.Length >> 8));
            stream.WriteByte((byte)bytes.Length);
            stream.Write(bytes);
        }
    }
}
