using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;

namespace Vigil.Core.Tests.Drift.Compare;

/// <summary>Each risk rule of docs/drift.md, through the comparer: (category, kind, left value, right value) → risk.</summary>
public sealed class DriftRulesTests
{
    private static DriftItem One(string category, string kind, string key, string? left, string? right)
    {
        SnapshotItem[] l = left is null ? [] : [DriftComparerTests.Item(category, kind, key, left)];
        SnapshotItem[] r = right is null ? [] : [DriftComparerTests.Item(category, kind, key, right)];
        var report = new DriftComparer().Compare(DriftComparerTests.Snap("uat", l), DriftComparerTests.Snap("prod", r));
        return Assert.Single(report.Items);
    }

    [Theory]
    // High.
    [InlineData("schema", "table", "public.orders", "table", null, DriftRisk.High)]
    [InlineData("schema", "column", "public.orders.total", "numeric not null", null, DriftRisk.High)]
    [InlineData("migration", "migration", "efcore:20240101_AddTotal", "applied", null, DriftRisk.High)]
    [InlineData("migration", "migration", "flyway:7", "7 add total", null, DriftRisk.High)]
    [InlineData("runtime", "runtime", "java", "17.0.9", "21.0.1", DriftRisk.High)]
    [InlineData("runtime", "runtime", "java", "1.8.0_392", "17.0.2", DriftRisk.High)]
    [InlineData("runtime", "runtime", "dotnet", "8.0.11", null, DriftRisk.High)]
    [InlineData("runtime", "crypto", "openssl.MinProtocol", "TLSv1.2", "TLSv1.3", DriftRisk.High)]
    [InlineData("runtime", "crypto", "openssl.CipherString", "DEFAULT@SECLEVEL=1", "DEFAULT@SECLEVEL=2", DriftRisk.High)]
    [InlineData("runtime", "crypto", "crypto-policies", "DEFAULT", "FUTURE", DriftRisk.High)]
    [InlineData("runtime", "crypto", "java.crypto.policy", "unlimited", "limited", DriftRisk.High)]
    [InlineData("runtime", "crypto", "java.jdk.tls.disabledAlgorithms", "SSLv3", "SSLv3, TLSv1.1", DriftRisk.High)]
    [InlineData("runtime", "crypto", "java.cacerts.entries", "140", "0", DriftRisk.High)]
    [InlineData("runtime", "crypto", "openssl.MinProtocol", null, "TLSv1.3", DriftRisk.High)]
    [InlineData("dependency", "package", "nuget:Newtonsoft.Json", "12.0.3", "13.0.1", DriftRisk.High)]
    [InlineData("endpoint", "endpoint", "https://orders.example.com", "reachable", "unreachable: connection refused", DriftRisk.High)]
    // High, with the collectors' own key formats.
    [InlineData("runtime", "crypto", "java:17:cacerts", "140", "0", DriftRisk.High)]
    [InlineData("runtime", "crypto", "openssl:MinProtocol", "TLSv1.2", "TLSv1.3", DriftRisk.High)]
    [InlineData("runtime", "crypto", "openssl:SecurityLevel", "1", "2", DriftRisk.High)]
    [InlineData("runtime", "crypto", "java:17:jdk.tls.disabledAlgorithms", "SSLv3", "SSLv3, TLSv1.1", DriftRisk.High)]
    [InlineData("runtime", "runtime", "dotnet:Microsoft.NETCore.App", "8.0.11", "8.0.11, 9.0.0", DriftRisk.High)]
    [InlineData("runtime", "runtime", "java", "17.0.9, 21.0.1", "17.0.9", DriftRisk.High)]
    [InlineData("dependency", "package", "npm:lodash", "4.17.21", "3.10.1, 4.17.21", DriftRisk.High)]
    [InlineData("endpoint", "endpoint", "https://pay.example.com:443", "reachable", "unresolvable: no addresses", DriftRisk.High)]
    [InlineData("endpoint", "endpoint", "https://pay.example.com:443", "not probed", "tls invalid: expired", DriftRisk.High)]
    [InlineData("schema", "runtime", "$DB:server_version", "16.4", "15.8", DriftRisk.High)]
    // Medium.
    [InlineData("schema", "index", "public.orders_customer_idx", "btree (customer_id)", null, DriftRisk.Medium)]
    [InlineData("schema", "constraint", "public.orders.orders_total_check", "CHECK (total >= 0)", null, DriftRisk.Medium)]
    [InlineData("schema", "column", "public.orders.total", "numeric not null", "numeric null", DriftRisk.Medium)]
    [InlineData("config", "key", "appsettings:Http:TimeoutSeconds", "30", "5", DriftRisk.Medium)]
    [InlineData("config", "key", "appsettings:Feature", "a", null, DriftRisk.Medium)]
    [InlineData("env", "variable", "ORDERS_URL", "https://orders.uat.example.com", "https://orders.prod.example.com", DriftRisk.Medium)]
    [InlineData("dependency", "package", "npm:express", "4.18.2", "4.19.0", DriftRisk.Medium)]
    [InlineData("dependency", "package", "npm:left-pad", "1.3.0", null, DriftRisk.Medium)]
    [InlineData("runtime", "runtime", "node", "20.10.0", "20.11.1", DriftRisk.Medium)]
    [InlineData("runtime", "limit", "memory.max", "1073741824", "268435456", DriftRisk.Medium)]
    [InlineData("resource", "limit", "deployment/orders/memory", "1Gi", "512Mi", DriftRisk.Medium)]
    [InlineData("resource", "limit", "deployment/orders/cpu", "1", "500m", DriftRisk.Medium)]
    [InlineData("runtime", "limit", "cpu.max", "max 100000", "50000 100000", DriftRisk.Medium)]
    [InlineData("runtime", "unreadable", "config appsettings.json", null, "could not read: malformed JSON", DriftRisk.Medium)]
    [InlineData("runtime", "runtime", "dotnet:Microsoft.AspNetCore.App", "8.0.1, 9.0.0", "8.0.1, 9.1.0", DriftRisk.Medium)]
    [InlineData("endpoint", "endpoint", "https://pay.example.com:443", "tls invalid: expired", "reachable", DriftRisk.Medium)]
    // Low.
    [InlineData("endpoint", "endpoint", "https://pay.example.com:443", "not probed", "reachable", DriftRisk.Low)]
    [InlineData("runtime", "runtime", "java", "17.0.9, 21.0.1", "17.0.10, 21.0.1", DriftRisk.Low)]
    [InlineData("schema", "table", "public.audit", null, "table", DriftRisk.Low)]
    [InlineData("config", "key", "appsettings:Extra", null, "1", DriftRisk.Low)]
    [InlineData("dependency", "package", "nuget:Serilog", "3.1.0", "3.1.1", DriftRisk.Low)]
    [InlineData("runtime", "runtime", "python", "3.11.4", "3.11.9", DriftRisk.Low)]
    [InlineData("resource", "image", "deployment/orders/orders", "registry/orders:1.4.2", "registry/orders:1.4.3", DriftRisk.Low)]
    [InlineData("resource", "replicas", "deployment/orders", "2", "6", DriftRisk.Low)]
    [InlineData("resource", "limit", "deployment/orders/memory", "512Mi", "1Gi", DriftRisk.Low)]
    [InlineData("runtime", "timezone", "timezone", "UTC", "Europe/Berlin", DriftRisk.Low)]
    [InlineData("runtime", "locale", "LANG", "C.UTF-8", "de_DE.UTF-8", DriftRisk.Low)]
    [InlineData("migration", "migration", "flyway:8", null, "8 add index", DriftRisk.Low)]
    [InlineData("resource", "replicas", "deployment/lower", "2", "3", DriftRisk.Low)]
    [InlineData("runtime", "runtime", "dotnet", null, "9.0.0", DriftRisk.Low)]
    public void Compare_Rule_GivesItsRisk(string category, string kind, string key, string? left, string? right, DriftRisk risk)
    {
        var item = One(category, kind, key, left, right);

        Assert.Equal(risk, item.Risk);
        Assert.False(string.IsNullOrWhiteSpace(item.Why));
        Assert.EndsWith(".", item.Why, StringComparison.Ordinal);
        Assert.False(char.IsLower(item.Why[0]), item.Why);
        if (category != "runtime" && kind != "runtime")
        {
            Assert.Contains(key, item.Why, StringComparison.Ordinal); // the key as it is, never re-cased
        }
    }

    [Fact]
    public void Compare_EmptyCacertsInProd_IsHighAndSaysTheJvmFails()
    {
        var item = One("runtime", "crypto", "java.cacerts.entries", "140", "0");

        Assert.Equal(DriftRisk.High, item.Risk);
        Assert.Equal(
            "Prod's Java truststore (cacerts) has 0 entries where uat has 140: every TLS call from the JVM fails with InvalidAlgorithmParameterException (trustAnchors parameter must be non-empty).",
            item.Why);
    }

    [Fact]
    public void Compare_CollectorKeys_NameTheSettingAndRuntime()
    {
        Assert.StartsWith("Java's jdk.tls.disabledAlgorithms is", One("runtime", "crypto", "java:17:jdk.tls.disabledAlgorithms", "SSLv3", "TLSv1").Why, StringComparison.Ordinal);
        Assert.StartsWith("OpenSSL's MinProtocol is", One("runtime", "crypto", "openssl:MinProtocol", "TLSv1.2", "TLSv1.3").Why, StringComparison.Ordinal);
        Assert.StartsWith("Prod's Java truststore (cacerts) has 0 entries where uat has 140", One("runtime", "crypto", "java:17:cacerts", "140", "0").Why, StringComparison.Ordinal);
        Assert.StartsWith(".NET (Microsoft.NETCore.App) is", One("runtime", "runtime", "dotnet:Microsoft.NETCore.App", "8.0.1", "9.0.0").Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_DatabaseServerVersion_IsJudgedAsARuntime()
    {
        var item = One("schema", "runtime", "$ORDERS_DB:server_version", "16.4 (Debian 16.4-1)", "16.2 (Debian 16.2-1)");

        // PostgreSQL's second number is a bug-fix release: a patch apart, low.
        Assert.Equal(DriftRisk.Low, item.Risk);
        Assert.StartsWith("The database server of $ORDERS_DB is", item.Why, StringComparison.Ordinal);
        Assert.Contains(": a patch apart", item.Why, StringComparison.Ordinal);

        // Three-number servers (SQLite, MySQL) keep semantic versions, and pre-10 PostgreSQL's 9.6 vs 9.5 is a major step.
        Assert.Equal(DriftRisk.Medium, One("schema", "runtime", "$CACHE_DB:server_version", "3.46.1", "3.40.1").Risk);
        Assert.Equal(DriftRisk.Medium, One("schema", "runtime", "$OLD_DB:server_version", "9.6", "9.5").Risk);
        Assert.Equal(DriftRisk.High, One("schema", "runtime", "$ORDERS_DB:server_version", "16.4", "15.8").Risk);
    }

    [Fact]
    public void Compare_MissingColumn_SaysQueriesFail()
    {
        var item = One("schema", "column", "public.orders.total", "numeric(10,2) not null", null);

        Assert.Equal("The column public.orders.total exists in uat, not in prod: queries that read or write it fail in prod (column does not exist).", item.Why);
    }

    [Fact]
    public void Compare_JavaCryptoPolicy_SaysIllegalKeySize()
    {
        var item = One("runtime", "crypto", "java.crypto.policy", "unlimited", "limited");

        Assert.Contains("InvalidKeyException (Illegal key size)", item.Why, StringComparison.Ordinal);
        Assert.Contains("\"unlimited\" in uat and \"limited\" in prod", item.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_RuntimeMajor_NamesTheRuntimeAndVersions()
    {
        var item = One("runtime", "runtime", "java", "17.0.9", "21.0.1");

        Assert.StartsWith("Java is \"17.0.9\" in uat and \"21.0.1\" in prod: another major version", item.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_LongValues_AreNotQuotedInTheSentence()
    {
        var longValue = new string('x', 200);
        var item = One("config", "key", "appsettings:Blob", longValue, longValue + "y");

        Assert.DoesNotContain(longValue, item.Why, StringComparison.Ordinal);
        Assert.Equal(longValue, item.Left);
    }

    [Theory]
    [InlineData("13.0.3", "13.0.3", "Same")]
    [InlineData("v18.19.0", "18.20.1", "Minor")]
    [InlineData("openjdk 17.0.9 2023-10-17", "17.0.10", "Patch")]
    [InlineData("==2.31.0", "3.0.0", "Major")]
    [InlineData("1.2.3-beta.1", "1.2.3", "Same")]
    [InlineData("21.0.1+12", "21.0.2+13", "Patch")]
    [InlineData("latest", "1.0.0", "Unknown")]
    public void LooseVersion_Distance_ReadsCommonForms(string left, string right, string distance) =>
        Assert.Equal(distance, LooseVersion.Distance(left, right).ToString());

    [Fact]
    public void LooseVersion_LegacyJava_ReadsOnePointEightAsEight()
    {
        Assert.Equal(VersionDistance.Major, LooseVersion.Distance("1.8.0_392", "11.0.2", legacyJava: true));
        Assert.Equal(VersionDistance.Minor, LooseVersion.Distance("1.8.0", "1.9.0"));
    }

    [Theory]
    [InlineData("512Mi", 512d * 1024 * 1024)]
    [InlineData("1G", 1e9)]
    [InlineData("500m", 0.5)]
    [InlineData("1.5", 1.5)]
    [InlineData("50000 100000", 0.5)]
    [InlineData("max", double.PositiveInfinity)]
    public void ResourceQuantity_Parse_ReadsKubernetesAndCgroupForms(string text, double expected) =>
        Assert.Equal(expected, ResourceQuantity.Parse(text));
}
