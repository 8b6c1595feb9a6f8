using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace Vigil.Cli.Tests.Keys;

public sealed class KeysCommandTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Offline_CreateListRevoke_RoundTripsThroughTheStateDatabase()
    {
        var time = new FakeTimeProvider(CliRun.Now);

        var created = await CliRun.RunAsync(["keys", "create", "--name", "bootstrap", "--scope", "admin", "--data", _data.Path], time: time);
        Assert.True(created.ExitCode == 0, created.ToString());
        var secret = Regex.Match(created.Out, @"secret\s+(vgl_a_[0-9A-Za-z]{32})\n").Groups[1].Value;
        var id = Regex.Match(created.Out, @"id\s+(key_[0-9a-z]{8})\n").Groups[1].Value;
        Assert.NotEmpty(secret);
        Assert.NotEmpty(id);
        Assert.Contains("Store this secret now", created.Error, StringComparison.Ordinal);

        var listed = await CliRun.RunAsync(["keys", "list", "--data", _data.Path], time: time);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal(
            $"ID            NAME       SCOPE  CREATED                   REVOKED\n{id}  bootstrap  admin  2025-03-01T12:00:00.000Z  -\n",
            listed.Out.ReplaceLineEndings("\n"));

        time.Advance(TimeSpan.FromMinutes(5));
        var revoked = await CliRun.RunAsync(["keys", "revoke", id, "--data", _data.Path], time: time);
        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.Equal($"Revoked {id}.\n", revoked.Out.ReplaceLineEndings("\n"));

        var after = await CliRun.RunAsync(["keys", "list", "--data", _data.Path, "--output", "json"], time: time);
        Assert.True(after.ExitCode == 0, after.ToString());
        using var json = JsonDocument.Parse(after.Out);
        var key = json.RootElement.GetProperty("keys")[0];
        Assert.Equal(id, key.GetProperty("id").GetString());
        Assert.Equal("admin", key.GetProperty("scope").GetString());
        Assert.Equal(CliRun.Now.AddMinutes(5), key.GetProperty("revokedAt").GetDateTimeOffset());
        Assert.DoesNotContain(secret, listed.Out + after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_CreateAsJson_PrintsSecretOnceInTheDocument()
    {
        var run = await CliRun.RunAsync(["keys", "create", "--name", "ci", "--scope", "ingest", "--data", _data.Path, "-o", "json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        using var json = JsonDocument.Parse(run.Out);
        Assert.Matches("^vgl_i_[0-9A-Za-z]{32}$", json.RootElement.GetProperty("secret").GetString());
        Assert.Equal("ingest", json.RootElement.GetProperty("key").GetProperty("scope").GetString());
        Assert.DoesNotContain("vgl_", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_RevokeUnknownId_ExitsFive()
    {
        await CliRun.RunAsync(["keys", "create", "--name", "ci", "--scope", "read", "--data", _data.Path]);

        var run = await CliRun.RunAsync(["keys", "revoke", "key_nothere", "--data", _data.Path]);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("no API key with id 'key_nothere'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offline_ListWithoutDatabase_ExitsWithUsageErrorAndCreatesNothing()
    {
        var missing = Path.Combine(_data.Path, "missing");

        var run = await CliRun.RunAsync(["keys", "list", "--data", missing]);

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task Offline_DoesNotContactTheServer()
    {
        var handler = StubHandler.Json("{}");

        var run = await CliRun.RunAsync(["keys", "create", "--name", "ci", "--scope", "read", "--data", _data.Path], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task Online_Create_PostsNameAndScopeAndPrintsSecret()
    {
        var handler = StubHandler.Json(
            """{"key":{"id":"key_abcdefgh","name":"ci","scope":"read","createdAt":"2025-03-01T12:00:00Z","revokedAt":null},"secret":"vgl_r_0123456789abcdefghijABCDEFGHIJ01"}""",
            HttpStatusCode.Created);

        var run = await CliRun.RunAsync(["keys", "create", "--name", "ci", "--scope", "read"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(HttpMethod.Post, handler.Last.Method);
        Assert.Equal("/api/v1/keys", handler.Last.RequestUri!.AbsolutePath);
        Assert.Equal("""{"name":"ci","scope":"read"}""", handler.Bodies[^1]);
        Assert.Contains("secret   vgl_r_0123456789abcdefghijABCDEFGHIJ01", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Online_Revoke_SendsDelete()
    {
        var handler = new StubHandler(_ => new HttpResponseMessage(HttpStatusCode.NoContent));

        var run = await CliRun.RunAsync(["keys", "revoke", "key_abcdefgh"], handler);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(HttpMethod.Delete, handler.Last.Method);
        Assert.Equal("/api/v1/keys/key_abcdefgh", handler.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Online_RevokeUnknown_ExitsFive()
    {
        var handler = StubHandler.Json("""{"title":"Not Found","status":404,"detail":"No API key 'key_x'."}""", HttpStatusCode.NotFound, "application/problem+json");

        var run = await CliRun.RunAsync(["keys", "revoke", "key_x"], handler);

        Assert.True(run.ExitCode == 5, run.ToString());
        Assert.Contains("No API key 'key_x'.", run.Error, StringComparison.Ordinal);
    }
}
