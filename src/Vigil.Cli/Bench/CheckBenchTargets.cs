using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vigil.Cli.Bench;

/// <summary>
/// The benchmark's HTTP targets: one Kestrel server on a free loopback port answering <c>GET /t/{i}</c> for
/// i in [0, count) with <c>200 ok</c> and <c>Connection: close</c>, so every check needs a fresh TCP connection whatever
/// its client would do. It counts accepted connections and requests, so the report can show both sides really opened a
/// connection per check.
/// </summary>
internal sealed class CheckBenchTargets : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Counters _counters;

    private CheckBenchTargets(WebApplication app, Uri address, Counters counters)
    {
        _app = app;
        Address = address;
        _counters = counters;
    }

    /// <summary>The server's base address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address { get; }

    public long Connections => Interlocked.Read(ref _counters.Connections);

    public long Requests => Interlocked.Read(ref _counters.Requests);

    /// <summary>Requests for a path that is not a target (a benchmark bug if it is not 0).</summary>
    public long NotFound => Interlocked.Read(ref _counters.NotFound);

    /// <summary>The URL of target <paramref name="index"/>.</summary>
    public string Url(int index) => $"{Address.GetLeftPart(UriPartial.Authority)}/t/{index}";

    public static async Task<CheckBenchTargets> StartAsync(int count, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        var counters = new Counters();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => connection =>
            {
                Interlocked.Increment(ref counters.Connections);
                return next(connection);
            }));
        });
        var app = builder.Build();
        var body = "ok\n"u8.ToArray();
        app.Run(async context =>
        {
            Interlocked.Increment(ref counters.Requests);
            // Close after every response: a client that tried to keep the connection alive would still get a fresh one next time.
            context.Response.Headers.Connection = "close";
            var path = context.Request.Path.Value ?? string.Empty;
            if (!HttpMethods.IsGet(context.Request.Method) || !path.StartsWith("/t/", StringComparison.Ordinal) ||
                !int.TryParse(path.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ||
                index >= count)
            {
                Interlocked.Increment(ref counters.NotFound);
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "text/plain";
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CheckBenchTargets(app, new Uri(address), counters);
    }

    private sealed class Counters
    {
        public long Connections;
        public long Requests;
        public long NotFound;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
