using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Security;
using Vigil.Storage.State;

namespace Vigil.Storage.Tests.State;

public sealed class SqliteApiKeyStoreTests() : StateStoreTest(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero))
{
    private SqliteApiKeyStore _keys = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _keys = new SqliteApiKeyStore(State);
    }

    [Theory]
    [InlineData(ApiKeyScope.Ingest, "i")]
    [InlineData(ApiKeyScope.Read, "r")]
    [InlineData(ApiKeyScope.Admin, "a")]
    public async Task CreateAsync_AnyScope_ReturnsSecretWithScopeLetterAndKeyId(ApiKeyScope scope, string letter)
    {
        var created = await _keys.CreateAsync("ci", scope, Time.GetUtcNow(), CancellationToken.None);

        Assert.Matches($"^vgl_{letter}_[0-9A-Za-z]{{32}}$", created.Secret);
        Assert.Matches("^key_[0-9a-z]{8}$", created.Key.Id);
        Assert.Equal(new ApiKey(created.Key.Id, "ci", scope, Time.GetUtcNow(), null), created.Key);
    }

    [Fact]
    public async Task CreateAsync_TwoKeys_HaveDifferentSecretsAndIds()
    {
        var a = await _keys.CreateAsync("a", ApiKeyScope.Read, Time.GetUtcNow(), CancellationToken.None);
        var b = await _keys.CreateAsync("b", ApiKeyScope.Read, Time.GetUtcNow(), CancellationToken.None);

        Assert.NotEqual(a.Secret, b.Secret);
        Assert.NotEqual(a.Key.Id, b.Key.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    public async Task CreateAsync_InvalidName_Throws(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => _keys.CreateAsync(name, ApiKeyScope.Read, Time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_SeveralKeys_OldestFirstWithRevokedOnesIncluded()
    {
        var first = await _keys.CreateAsync("first", ApiKeyScope.Admin, Time.GetUtcNow(), CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));
        var second = await _keys.CreateAsync("second", ApiKeyScope.Ingest, Time.GetUtcNow(), CancellationToken.None);
        Time.Advance(TimeSpan.FromMinutes(1));
        await _keys.RevokeAsync(first.Key.Id, Time.GetUtcNow(), CancellationToken.None);

        var keys = await _keys.ListAsync(CancellationToken.None);

        Assert.Equal([first.Key.Id, second.Key.Id], keys.Select(k => k.Id));
        Assert.Equal(Time.GetUtcNow(), keys[0].RevokedAt);
        Assert.Null(keys[1].RevokedAt);
    }

    [Fact]
    public async Task RevokeAsync_UnknownId_ReturnsFalse()
    {
        Assert.False(await _keys.RevokeAsync("key_nothere", Time.GetUtcNow(), CancellationToken.None));
    }

    [Fact]
    public async Task RevokeAsync_Twice_KeepsFirstRevocationTime()
    {
        var created = await _keys.CreateAsync("ci", ApiKeyScope.Read, Time.GetUtcNow(), CancellationToken.None);
        var revokedAt = Time.GetUtcNow();
        Assert.True(await _keys.RevokeAsync(created.Key.Id, revokedAt, CancellationToken.None));
        Time.Advance(TimeSpan.FromHours(1));

        Assert.True(await _keys.RevokeAsync(created.Key.Id, Time.GetUtcNow(), CancellationToken.None));

        Assert.Equal(revokedAt, (await _keys.ListAsync(CancellationToken.None)).Single().RevokedAt);
    }

    [Fact]
    public async Task FindBySecretAsync_KnownSecret_ReturnsKey()
    {
        var created = await _keys.CreateAsync("ci", ApiKeyScope.Ingest, Time.GetUtcNow(), CancellationToken.None);

        var found = await _keys.FindBySecretAsync(created.Secret, CancellationToken.None);

        Assert.Equal(created.Key, found);
        Assert.True(found!.Allows(ApiKeyScope.Ingest));
        Assert.False(found.Allows(ApiKeyScope.Read));
    }

    [Fact]
    public async Task FindBySecretAsync_RevokedKey_ReturnsItWithRevokedAtSoItAllowsNothing()
    {
        var created = await _keys.CreateAsync("ci", ApiKeyScope.Admin, Time.GetUtcNow(), CancellationToken.None);
        await _keys.RevokeAsync(created.Key.Id, Time.GetUtcNow(), CancellationToken.None);

        var found = await _keys.FindBySecretAsync(created.Secret, CancellationToken.None);

        Assert.NotNull(found!.RevokedAt);
        Assert.False(found.Allows(ApiKeyScope.Read));
    }

    [Theory]
    [InlineData("")]
    [InlineData("vgl_a_short")]
    [InlineData("Bearer vgl_a_0123456789abcdefghijABCDEFGHIJ0123456789")]
    [InlineData("vgl_x_0123456789abcdefghijABCDEFGHIJ012345")]
    [InlineData("vgl_a_0123456789abcdefghijABCDEFGHIJ01234!")]
    public async Task FindBySecretAsync_NotASecret_ReturnsNull(string text)
    {
        await _keys.CreateAsync("ci", ApiKeyScope.Admin, Time.GetUtcNow(), CancellationToken.None);

        Assert.Null(await _keys.FindBySecretAsync(text, CancellationToken.None));
    }

    [Fact]
    public async Task FindBySecretAsync_WellFormedButUnknownSecret_ReturnsNull()
    {
        var created = await _keys.CreateAsync("ci", ApiKeyScope.Admin, Time.GetUtcNow(), CancellationToken.None);
        var other = created.Secret[..^1] + (created.Secret[^1] == 'x' ? 'y' : 'x');

        Assert.Null(await _keys.FindBySecretAsync(other, CancellationToken.None));
    }

    [Fact]
    public async Task CreateAsync_Secret_IsNeverWrittenToDiskInClear()
    {
        var secrets = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            secrets.Add((await _keys.CreateAsync($"key{i}", ApiKeyScope.Admin, Time.GetUtcNow(), CancellationToken.None)).Secret);
        }

        // Read state.db and its WAL and shared-memory files while the store is still open, then after it closes.
        AssertNoSecretOnDisk(secrets);
        await State.DisposeAsync();
        AssertNoSecretOnDisk(secrets);
    }

    private void AssertNoSecretOnDisk(List<string> secrets)
    {
        var files = Directory.GetFiles(DataDirectory);
        Assert.Contains(files, f => f.EndsWith("state.db", StringComparison.Ordinal));
        foreach (var file in files)
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }

            var latin1 = Encoding.Latin1.GetString(bytes);
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, latin1, StringComparison.Ordinal);
                // Not even the random part: guards against a prefix-stripping "optimisation".
                Assert.DoesNotContain(secret[6..], latin1, StringComparison.Ordinal);
            }

            Assert.DoesNotMatch(new Regex("vgl_[ira]_[0-9A-Za-z]{32}"), latin1);
        }
    }
}
