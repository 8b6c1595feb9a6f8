using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Sample;

/// <summary>The sample's log messages (exported over OTLP as well as printed).</summary>
internal static partial class SampleLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Service} {Version} ({Environment}) listening on {Address}; fail every {FailEvery}, latency {LatencyMs} ms + jitter up to {JitterMs} ms")]
    public static partial void Started(ILogger logger, string service, string version, string environment, string address, long failEvery, double latencyMs, double jitterMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Checkout {RequestNumber} failed: injected failure (every {FailEvery}th request)")]
    public static partial void CheckoutFailed(ILogger logger, long requestNumber, long failEvery);
}

/// <summary>The answer of a successful /checkout.</summary>
internal sealed record CheckoutResponse(long Order, string Version, double LatencyMs);

/// <summary>The ready file: the bound address, as <c>vigil serve --ready-file</c> writes its own.</summary>
internal sealed record ReadyFile(string Http, int Pid);

/// <summary>Source-generated JSON for the sample's types (the slim builder has no reflection-based defaults).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CheckoutResponse))]
[JsonSerializable(typeof(ReadyFile))]
internal sealed partial class SampleJson : JsonSerializerContext;
