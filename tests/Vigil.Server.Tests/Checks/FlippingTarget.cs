using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests.Checks;

/// <summary>
/// A real Kestrel server on a free loopback port whose <c>/health</c> answers 200 <c>ok</c> while
/// <see cref="Healthy"/>, else 503 with a JSON error body; it counts requests.
/// </summary>
public sealed class FlippingTarget : IAsyncDisposable
{
    public const string FailureBody = "{\"error\":\"database connection refused\"}";

    private readonly WebApplication _app;
    private int _requests;
    private volatile bool _healthy = true;

    private FlippingTarget(WebApplication app) => _app = app;

    public bool Healthy
    {
        get => _healthy;
        set => _healthy = value;
    }

    public int Requests => Volatile.Read(ref _requests);

    public Uri HealthUrl => new(_app.Urls.First() + "/health");

    public static async Task<FlippingTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var target = new FlippingTarget(app);
        app.MapGet("/health", () =>
        {
            Interlocked.Increment(ref target._requests);
            return target._healthy
                ? Results.Text("ok", "text/plain")
                : Results.Text(FailureBody, "application/json", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync();
        return target;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
