using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Drift.Secrets;

namespace Vigil.Core.Tests.Drift.Secrets;

public sealed class SecretRedactorTests
{
    private static readonly byte[] Key = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    [Theory]
    [InlineData("DB_PASSWORD")]
    [InlineData("ConnectionStrings:Password")]
    [InlineData("Jwt:SigningKey")]
    [InlineData("API_KEY")]
    [InlineData("apikey")]
    [InlineData("x-apikey")]
    [InlineData("ClientSecret")]
    [InlineData("GITHUB_TOKEN")]
    [InlineData("accessToken")]
    [InlineData("MYSQL_PWD")]
    [InlineData("ldap.passwd")]
    [InlineData("AzureCredentials")]
    [InlineData("tls.private")]
    [InlineData("spring.datasource.password")]
    public void IsSecret_ByName_IsTrueForSecretNames(string name)
    {
        var redactor = new SecretRedactor();

        Assert.True(redactor.IsSecret(name, "plain"));
    }

    [Theory]
    [InlineData("Logging:LogLevel:Default")]
    [InlineData("KEYBOARD_LAYOUT")]
    [InlineData("monkey")]
    [InlineData("Kestrel:Certificates:Default:KeyPath")]
    [InlineData("TOKEN_URL")]
    [InlineData("Jwt:KeyId")]
    [InlineData("PASSWORD_FILE")]
    [InlineData("SortKeys")]
    public void IsSecret_ByName_IsFalseForOrdinaryNamesAndDescriptors(string name)
    {
        var redactor = new SecretRedactor();

        Assert.False(redactor.IsSecret(name, "plain value"));
    }

    [Theory]
    [InlineData("Host=db;Database=orders;Username=app;Password=s3cr3t")]
    [InlineData("Server=db,1433;User Id=sa;pwd=s3cr3t;")]
    [InlineData("postgres://app:s3cr3t@db:5432/orders")]
    [InlineData("Bearer abcdefghijklmnop.qrstuv")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----")]
    [InlineData("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----")]
    [InlineData("xK9fQ2mLp7Zr4TbW8vN3cY6hJ1sD5gA0")]
    [InlineData("AKIAIOSFODNN7EXAMPLE/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    [InlineData("https://hooks.example.com/services?sig=xK9fQ2mLp7Zr4TbW8vN3cY6hJ1sD5gA0")]
    public void IsSecret_ByShape_IsTrueWhateverTheName(string value)
    {
        var redactor = new SecretRedactor();

        Assert.True(redactor.IsSecret("Setting", value));
    }

    [Theory]
    [InlineData("3f2504e0-4f89-41d3-9a0c-0305e82c3301")]
    [InlineData("9c1185a5c5e9fc54612808977ee8f548b2258d31")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("sha512-Zm9vYmFyYmF6cXV4cXV1eFpt9vYmFyYmF6cXV4cXV1eA==")]
    [InlineData("https://payments.example.com/api/v1/charges")]
    [InlineData("/usr/share/dotnet/shared/Microsoft.NETCore.App/8.0.11")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel")]
    [InlineData("8.0.11-servicing.24517.7+7e2ba1c3f1e3fbde9a5d0a2d8a1f2fd6f1e2c6d5")]
    [InlineData("com.example.orders.OrderServiceApplication")]
    [InlineData("Information")]
    [InlineData("")]
    public void IsSecret_IsFalseForUuidsHashesUrlsPathsAndWords(string value)
    {
        var redactor = new SecretRedactor();

        Assert.False(redactor.IsSecret("Setting", value));
    }

    [Fact]
    public void IsSecret_UserPattern_MakesMatchingNamesSecret()
    {
        var redactor = new SecretRedactor(namePatterns: ["^LICENSE_", @"signing\.salt$"]);

        Assert.True(redactor.IsSecret("license_server_id", "1234"));
        Assert.True(redactor.IsSecret("app.signing.salt", "1234"));
        Assert.False(redactor.IsSecret("LICENSE", "1234"));
    }

    [Fact]
    public void Constructor_BadPattern_ThrowsWithThePattern()
    {
        var e = Assert.Throws<ArgumentException>(() => new SecretRedactor(namePatterns: ["(unclosed"]));

        Assert.Contains("'(unclosed' is not a regular expression", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_WithKey_IsHmacSha256OfTheValue()
    {
        var redactor = new SecretRedactor(Key);

        var fingerprint = redactor.Fingerprint("hunter2");

        Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("hunter2"))), fingerprint.Hmac);
    }

    [Fact]
    public void Fingerprint_SameKeyAndValue_AreEqual_DifferentValues_Differ()
    {
        var uat = new SecretRedactor(Key);
        var prod = new SecretRedactor(Key.ToArray());

        Assert.Equal(uat.Fingerprint("same-secret"), prod.Fingerprint("same-secret"));
        Assert.NotEqual(uat.Fingerprint("same-secret").Hmac, prod.Fingerprint("other-secret").Hmac);
    }

    [Fact]
    public void Fingerprint_WithoutKey_IsPresenceOnly()
    {
        var redactor = new SecretRedactor();

        Assert.Null(redactor.Fingerprint("hunter2").Hmac);
        Assert.False(redactor.HasKey);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("xyz", false)]
    [InlineData("abc", false)]
    [InlineData("00112233445566778899aabbccddee", false)]
    [InlineData("00112233445566778899aabbccddeeff", true)]
    public void TryParseKey_AcceptsOnlyHexOfAtLeast16Bytes(string hex, bool ok)
    {
        Assert.Equal(ok, SecretRedactor.TryParseKey(hex, out var key, out var error));
        if (ok)
        {
            Assert.Equal(16, key.Length);
        }
        else
        {
            Assert.Contains(SecretRedactor.KeyVariable, error, StringComparison.Ordinal);
            if (hex.Length > 0)
            {
                Assert.DoesNotContain(hex, error, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("postgres://app:s3cr3tpw@db:5432/orders", "postgres://app:***@db:5432/orders")]
    [InlineData("Host=db;Username=app;Password=s3cr3tpw;Database=x", "Host=db;Username=app;Password=***;Database=x")]
    [InlineData("Authorization: Bearer abcdefgh12345678", "Authorization: Bearer ***")]
    [InlineData("call https://api.example.com/x?token=abc123def&page=2", "call https://api.example.com/x?token=***&page=2")]
    [InlineData("app/appsettings.json", "app/appsettings.json")]
    public void Redact_ReplacesEmbeddedSecrets(string text, string expected)
    {
        Assert.Equal(expected, new SecretRedactor().Redact(text));
    }

    [Fact]
    public void Redact_RemovesJwtPemAndHighEntropyTokens()
    {
        const string jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        const string random = "xK9fQ2mLp7Zr4TbW8vN3cY6hJ1sD5gA0";
        var text = $"jwt {jwt} key -----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY----- and {random}.";

        var redacted = new SecretRedactor().Redact(text);

        Assert.DoesNotContain(jwt, redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("MIIEvQ", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain(random, redacted, StringComparison.Ordinal);
        Assert.StartsWith("jwt ***", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void ShannonEntropy_IsLog2OfDistinctCharactersForUniformText()
    {
        Assert.Equal(0, SecretRedactor.ShannonEntropy("aaaa"));
        Assert.Equal(2, SecretRedactor.ShannonEntropy("abcd"), 10);
        Assert.Equal(1, SecretRedactor.ShannonEntropy("abab"), 10);
    }
}
