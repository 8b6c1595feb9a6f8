using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Vigil.Sample;

SampleOptions? options;
try
{
    options = SampleOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync("Vigil.Sample: " + e.Message);
    return 3;
}

if (options is null)
{
    Console.WriteLine(SampleOptions.Usage);
    return 0;
}

// The command line is ours alone: ASP.NET Core's own configuration would read --version and friends as settings.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseUrls(options.Listen.ToString());
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(new CheckoutBehaviour(options.FailEvery, options.LatencyMs, options.LatencyFactor, options.JitterMs, options.Seed));

// OpenTelemetry: one resource for traces and logs, both sent over OTLP/HTTP with a short batch delay so a test sees
// its requests in Vigil within a second or two.
var exportDelay = (int)Math.Max(1, options.ExportDelay.TotalMilliseconds);
builder.Services.AddOpenTelemetry()
    .ConfigureResource(resource => resource
        .AddService(options.Service, serviceVersion: options.Version, autoGenerateServiceInstanceId: false, serviceInstanceId: options.Instance)
        .AddAttributes([new("deployment.environment.name", options.Environment)]))
    .WithTracing(tracing => tracing
        .SetSampler(new AlwaysOnSampler())
        .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !context.Request.Path.StartsWithSegments("/healthz"))
        .AddOtlpExporter(otlp =>
        {
            otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            otlp.Endpoint = new Uri(options.Otlp, "v1/traces");
            otlp.BatchExportProcessorOptions.ScheduledDelayMilliseconds = exportDelay;
        }))
    .WithLogging(
        logging => logging.AddOtlpExporter((otlp, processor) =>
        {
            otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            otlp.Endpoint = new Uri(options.Otlp, "v1/logs");
            processor.BatchExportProcessorOptions.ScheduledDelayMilliseconds = exportDelay;
        }),
        logOptions => logOptions.IncludeFormattedMessage = true);

var app = builder.Build();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Sample.Checkout");

app.MapGet("/healthz", () => TypedResults.Text("ok\n"));
app.MapGet("/checkout", async (CheckoutBehaviour behaviour, CancellationToken cancellationToken) =>
{
    var outcome = behaviour.Next();
    var span = Activity.Current;
    span?.SetTag("checkout.request_number", outcome.Number);
    await Task.Delay(outcome.Delay, cancellationToken);
    if (outcome.Fails)
    {
        span?.SetStatus(ActivityStatusCode.Error, "injected failure");
        SampleLog.CheckoutFailed(log, outcome.Number, options.FailEvery);
        return Results.Problem(
            detail: $"request {outcome.Number} failed on purpose (--fail-every {options.FailEvery})",
            statusCode: StatusCodes.Status500InternalServerError,
            title: "checkout failed");
    }

    return Results.Json(new CheckoutResponse(outcome.Number, options.Version, outcome.Delay.TotalMilliseconds), SampleJson.Default.CheckoutResponse);
});

await app.StartAsync();
var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
    ?? options.Listen.ToString();
SampleLog.Started(log, options.Service, options.Version, options.Environment, bound, options.FailEvery, options.LatencyMs * options.LatencyFactor, options.JitterMs);
if (options.ReadyFile is { Length: > 0 } readyFile)
{
    // Written to a temporary name and moved, so a reader never sees half a file.
    var full = Path.GetFullPath(readyFile);
    await File.WriteAllTextAsync(full + ".tmp", JsonSerializer.Serialize(new ReadyFile(bound, Environment.ProcessId), SampleJson.Default.ReadyFile));
    File.Move(full + ".tmp", full, overwrite: true);
}

await app.WaitForShutdownAsync();
return 0;
