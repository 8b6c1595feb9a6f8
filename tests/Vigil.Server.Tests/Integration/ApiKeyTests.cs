using System.Net;
using System.Net.Http.Json;
using Vigil.Client.Contracts;
using Vigil.Core.Security;
using Vigil.Storage.State;

namespace Vigil.Server.Tests.Integration;

/// <summary>API keys on a non-loopback bind: every endpoint needs one; scopes are enforced; keys never reach the logs.</summary>
public sealed class ApiKeyTests
{
    private static readonly (HttpMethod Method, string Path)[] Endpoints =
    [
        (HttpMethod.Get, "/healthz"),
        (HttpMethod.Get, "/readyz"),
        (HttpMethod.Get, "/metrics"),
        (HttpMethod.Get, "/openapi/v1.json"),
        (HttpMethod.Get, "/api/v1/status/version"),
        (HttpMethod.Get, "/api/v1/telemetry/series?match[]=up"),
        (HttpMethod.Get, "/api/v1/telemetry/samples?match[]=up"),
        (HttpMethod.Get, "/api/v1/telemetry/logs"),
        (HttpMethod.Get, "/api/v1/telemetry/traces"),
        (HttpMethod.Get, "/api/v1/telemetry/traces/0123456789abcdef0123456789abcdef"),
        (HttpMethod.Get, "/api/v1/keys"),
        (HttpMethod.Post, "/v1/metrics"),
        (HttpMethod.Post, "/v1/logs"),
        (HttpMethod.Post, "/v1/traces"),
        (HttpMethod.Get, "/api/v1/query?query=up"),
        (HttpMethod.Get, "/api/v1/metadata"),
        (HttpMethod.Get, "/api/v1/query_exemplars?query=up"),
        (HttpMethod.Post, "/api/v1/write"),
        (HttpMethod.Get, "/no/such/path"),
    ];

    [Fact]
    public async Task NonLoopbackBind_EnforcesKeysAndScopes_AndNeverLogsThem()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "vigil-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dataDirectory);
        string adminSecret;
        await using (var state = await SqliteStateStore.OpenAsync(dataDirectory, TimeProvider.System, CancellationToken.None))
        {
            var keyStore = new SqliteApiKeyStore(state);
            adminSecret = (await keyStore.CreateAsync("bootstrap", ApiKeyScope.Admin, TimeProvider.System.GetUtcNow(), CancellationToken.None)).Secret;
        }

        await using var vigil = await VigilServerProcess.StartAsync(dataDirectory, listen: "0.0.0.0:0");
        var port = vigil.HttpAddress.Port;
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var anonymous = new HttpClient { BaseAddress = baseAddress };

        foreach (var (method, path) in Endpoints)
        {
            using var request = new HttpRequestMessage(method, path);
            if (method == HttpMethod.Post)
            {
                request.Content = OtlpPayloads.Protobuf(OtlpPayloads.Gauges("keys", TimeProvider.System.GetUtcNow(), ("x", "y", 1)));
            }

            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode} without a key");
        }

        Assert.Equal("16", await GrpcStatusAsync(vigil, apiKey: null)); // UNAUTHENTICATED

        using var admin = new HttpClient { BaseAddress = baseAddress };
        admin.DefaultRequestHeaders.Authorization = new("Bearer", adminSecret);
        var ingestSecret = await CreateKeyAsync(admin, "collector", "ingest");
        var readSecret = await CreateKeyAsync(admin, "grafana", "read");

        using var ingest = new HttpClient { BaseAddress = baseAddress };
        ingest.DefaultRequestHeaders.Authorization = new("Bearer", ingestSecret);
        using var read = new HttpClient { BaseAddress = baseAddress };
        read.DefaultRequestHeaders.Add("X-API-Key", readSecret);

        var payload = OtlpPayloads.Gauges("keys", TimeProvider.System.GetUtcNow(), ("scoped_probe", "a", 1));
        Assert.Equal(HttpStatusCode.OK, (await ingest.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(payload))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync("/api/v1/telemetry/series?match[]=scoped_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync("/api/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsync("/v1/metrics", OtlpPayloads.Protobuf(payload))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsync("/api/v1/write", new ByteArrayContent([0]))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ingest.GetAsync("/api/v1/query?query=scoped_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/v1/query?query=scoped_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await read.GetAsync("/api/v1/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await read.GetAsync("/api/v1/telemetry/series?match[]=scoped_probe")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/telemetry/series?match[]=scoped_probe")).StatusCode);

        Assert.Equal("0", await GrpcStatusAsync(vigil, ingestSecret));
        Assert.Equal("7", await GrpcStatusAsync(vigil, readSecret)); // PERMISSION_DENIED

        using var wrong = new HttpClient { BaseAddress = baseAddress };
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "vgl_r_not-a-real-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/v1/telemetry/logs")).StatusCode);

        // Revocation through this server takes effect at once.
        var keys = await admin.GetFromJsonAsync<ApiKeysResponse>("/api/v1/keys", TelemetryApi.Json);
        var readKey = keys!.Keys.Single(k => k.Name == "grafana");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/keys/{readKey.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await read.GetAsync("/api/v1/telemetry/series?match[]=scoped_probe")).StatusCode);

        // The key list never carries secrets, and no secret reached the logs.
        var listed = await admin.GetStringAsync("/api/v1/keys");
        foreach (var secret in new[] { adminSecret, ingestSecret, readSecret })
        {
            Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, vigil.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Sends one OTLP/gRPC metrics export as a raw HTTP/2 request and returns its grpc-status.</summary>
    private static async Task<string> GrpcStatusAsync(VigilServerProcess vigil, string? apiKey)
    {
        using var grpc = new HttpClient
        {
            BaseAddress = new Uri($"http://127.0.0.1:{vigil.OtlpGrpcAddress!.Port}"),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var body = Google.Protobuf.MessageExtensions.ToByteArray(OtlpPayloads.Gauges("keys", TimeProvider.System.GetUtcNow(), ("grpc_probe", "a", 1)));
        var framed = new byte[body.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(framed.AsSpan(1), body.Length);
        body.CopyTo(framed, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") { Content = new ByteArrayContent(framed), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (apiKey is not null)
        {
            request.Headers.Authorization = new("Bearer", apiKey);
        }

        using var response = await grpc.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.First()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.First()
            : $"missing: HTTP {(int)response.StatusCode} {response.Headers} {response.Content.Headers}";
    }

    private static async Task<string> CreateKeyAsync(HttpClient admin, string name, string scope)
    {
        var response = await admin.PostAsJsonAsync("/api/v1/keys", new CreateApiKeyRequest(name, scope));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<CreatedApiKeyDto>(TelemetryApi.Json);
        Assert.Equal(scope, created!.Key.Scope);
        return created.Secret;
    }
}
