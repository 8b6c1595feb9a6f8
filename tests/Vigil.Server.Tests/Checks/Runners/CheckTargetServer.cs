using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests.Checks.Runners;

/// <summary>
/// The targets of the runner tests, in one real Kestrel host on loopback: plain HTTP/1.1, HTTPS (certificate chosen by
/// SNI from <see cref="TestCertificates"/>) and cleartext HTTP/2 with the gRPC health service.
/// </summary>
public sealed class CheckTargetServer : IAsyncLifetime
{
    private WebApplication? _app;
    private int _nextItem;

    public TestCertificates Certificates { get; } = new();

    /// <summary>Health states the gRPC health service reports.</summary>
    public HealthServiceImpl Health { get; } = new();

    public int HttpPort { get; private set; }

    public int HttpsPort { get; private set; }

    public int GrpcPort { get; private set; }

    public string Http => $"http://127.0.0.1:{HttpPort}";

    public string Https => $"https://127.0.0.1:{HttpsPort}";

    /// <summary>Kestrel connection ids that served a request (to see fresh connections).</summary>
    public ConcurrentQueue<string> Connections { get; } = new();

    /// <summary>Tokens that logged out (the flow's teardown step).</summary>
    public ConcurrentQueue<string> LoggedOut { get; } = new();

    public async Task InitializeAsync()
    {
        Health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        Health.SetStatus("orders", HealthCheckResponse.Types.ServingStatus.Serving);
        Health.SetStatus("billing", HealthCheckResponse.Types.ServingStatus.NotServing);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Health);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(IPAddress.Loopback, 0, o =>
            {
                o.Protocols = HttpProtocols.Http1AndHttp2;
                o.UseHttps(https => https.ServerCertificateSelector = (_, name) => Certificates.For(name));
            });
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            Connections.Enqueue(context.Connection.Id);
            await next(context);
        });
        Map(_app);
        _app.MapGrpcService<HealthServiceImpl>();
        await _app.StartAsync();
        var ports = _app.Urls.Select(u => new Uri(u).Port).ToList();
        (HttpPort, HttpsPort, GrpcPort) = (ports[0], ports[1], ports[2]);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Certificates.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapGet("/ok", (HttpResponse response) =>
        {
            response.Headers["X-Test"] = "abc-42";
            return Results.Text("ok 123 all good", "text/plain");
        });
        app.MapGet("/json", () => Results.Json(new
        {
            id = 7,
            name = "vigil",
            price = 12.5,
            tags = new[] { "a", "b" },
            nested = new { n = 5, items = new[] { new { sku = "x1" }, new { sku = "x2" } } },
        }));
        app.MapGet("/status/{code:int}", (int code) => Results.Text($"status {code} here", "text/plain", statusCode: code));
        app.MapGet("/redirect", () => Results.Redirect("/ok"));
        app.MapGet("/loop", () => Results.Redirect("/loop"));
        app.MapGet("/slow", async (int ms, CancellationToken token) =>
        {
            await Task.Delay(ms, token);
            return Results.Text("slow");
        });
        app.MapGet("/echo", (HttpRequest request) =>
            Results.Text(string.Join("\n", request.Headers.Select(h => $"{h.Key}: {h.Value}")), "text/plain"));
        app.MapPost("/login", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            return body.RootElement.GetProperty("password").GetString() == "pw-secret"
                ? Results.Json(new { token = "tok-" + body.RootElement.GetProperty("user").GetString() })
                : Results.Json(new { error = "bad credentials" }, statusCode: 401);
        });
        app.MapPost("/items", async (HttpRequest request) =>
        {
            if (request.Headers.Authorization.ToString() != "Bearer tok-alice")
            {
                return Results.StatusCode(401);
            }

            using var body = await JsonDocument.ParseAsync(request.Body);
            var name = body.RootElement.GetProperty("name").GetString()!;
            if (name == "fail")
            {
                return Results.Json(new { error = "database unavailable" }, statusCode: 500);
            }

            var id = Interlocked.Increment(ref _nextItem) + 100;
            return Results.Json(new { id, name }, statusCode: 201);
        });
        app.MapGet("/items/{id:int}", (int id, HttpRequest request) =>
            request.Headers.Authorization.ToString() != "Bearer tok-alice"
                ? Results.StatusCode(401)
                : Results.Json(new { id, name = "widget", owner = "alice" }));
        app.MapPost("/logout", (HttpRequest request) =>
        {
            LoggedOut.Enqueue(request.Headers.Authorization.ToString());
            return Results.NoContent();
        });
    }
}
