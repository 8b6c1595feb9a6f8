using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Vigil.Core.Security;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Exposition;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Diagnostics;
using Vigil.Server.Otlp;
using Vigil.Server.RemoteWrite.Protos;
using Vigil.Server.Security;
using Label = Vigil.Core.Telemetry.Label;
using ProtoMetricType = Vigil.Server.RemoteWrite.Protos.MetricMetadata.Types.MetricType;

namespace Vigil.Server.RemoteWrite;

/// <summary>
/// The Prometheus remote-write 1.0 receiver, <c>POST /api/v1/write</c>, so an existing Prometheus (or an agent) can
/// forward to Vigil. Answers as Prometheus's own receiver does: 204 when everything was stored; 400 with a plain-text
/// reason for a body that is not snappy, not a WriteRequest, or has invalid series (the valid series of the same
/// request are stored, as Prometheus does, and the reason names the first bad one); 413 over the size limits; 415 for
/// remote-write 2.0 or another content type; 429 with <c>Retry-After</c> when the store or intake is overloaded (a
/// sender retries). Metadata is recorded for <c>/api/v1/metadata</c>; exemplars are ignored; native histograms are
/// refused as unsupported.
/// </summary>
internal sealed partial class RemoteWriteReceiver(
    ITelemetryWriter writer,
    MetricMetadataCatalog metadata,
    InFlightBytes inFlight,
    IntakeOptions options,
    TimeProvider time,
    VigilMetrics metrics,
    ILogger<RemoteWriteReceiver> logger)
{
    private const string Signal = "metrics";
    private const string Transport = "remote_write";

    /// <summary>Handles one request.</summary>
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var cancellationToken = context.RequestAborted;
        if (request.ContentType is { Length: > 0 } contentType)
        {
            if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
                || !mediaType.MediaType.Equals(RemoteWriteCodec.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, $"unsupported Content-Type \"{contentType}\": remote-write 1.0 sends {RemoteWriteCodec.ContentType}");
                return;
            }

            var proto = mediaType.Parameters.FirstOrDefault(p => p.Name.Equals("proto", StringComparison.OrdinalIgnoreCase))?.Value.ToString();
            if (proto is { Length: > 0 } && !proto.Equals("prometheus.WriteRequest", StringComparison.Ordinal))
            {
                await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, $"unsupported: remote-write message {proto}; Vigil receives remote-write 1.0 (prometheus.WriteRequest)");
                return;
            }
        }

        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Length > 0 && !encoding.Equals(RemoteWriteCodec.ContentEncoding, StringComparison.OrdinalIgnoreCase))
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, $"unsupported Content-Encoding \"{encoding}\": remote-write bodies are snappy");
            return;
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = options.MaxRequestBytes;
        }

        var (body, error, message) = await OtlpHttpBody.ReadAsync(request, gzip: false, options, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            await RefuseAsync(context, error == BodyError.TooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, message!);
            return;
        }

        WriteRequest decoded;
        var held = body.Length;
        if (!inFlight.TryAcquire(held))
        {
            body.Dispose();
            await OverloadedAsync(context, $"intake is processing more than {options.MaxInFlightBytes} bytes of requests", options.InFlightRetryAfter);
            return;
        }

        try
        {
            try
            {
                decoded = RemoteWriteCodec.Decode(body.Span, options.MaxDecompressedBytes);
            }
            catch (DecodedTooLargeException ex)
            {
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, ex.Message);
                return;
            }
            catch (FormatException ex)
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, ex.Message);
                return;
            }
            finally
            {
                body.Dispose();
            }

            var conversion = Convert(decoded);
            foreach (var family in decoded.Metadata)
            {
                metadata.Observe(new Core.Telemetry.Exposition.MetricMetadata(family.MetricFamilyName, ToMetricType(family.Type), family.Help, family.Unit));
            }

            var refused = 0;
            string? refusedReason = null;
            if (conversion.Samples.Count > 0)
            {
                try
                {
                    var result = await writer.AppendAsync(TelemetryBatch.OfSamples(conversion.Samples), cancellationToken).ConfigureAwait(false);
                    refused = result.RejectedSamples;
                    refusedReason = result.FirstRejectReason;
                }
                catch (StoreOverloadedException ex)
                {
                    metrics.IntakeRejected(Signal, OtlpConstants.Reasons.Overloaded, conversion.Samples.Count);
                    await OverloadedAsync(context, ex.Message, ex.RetryAfter);
                    return;
                }
            }

            metrics.IntakeAccepted(Signal, Transport, conversion.Samples.Count - refused);
            foreach (var (reason, count) in conversion.Rejections.ByReason)
            {
                metrics.IntakeRejected(Signal, reason, count);
            }

            if (refused > 0)
            {
                metrics.IntakeRejected(Signal, OtlpConstants.Reasons.StoreRefused, refused);
            }

            var firstProblem = conversion.Rejections.FirstMessage ?? (refused > 0 ? $"the store refused {refused} samples: {refusedReason ?? "no reason given"}" : null);
            if (firstProblem is not null)
            {
                var total = conversion.Rejections.Count + refused;
                metrics.IntakeRequest(OtlpConstants.Outcomes.Partial);
                await RefuseAsync(context, StatusCodes.Status400BadRequest, $"{total} samples refused (the rest were stored); first: {firstProblem}", countRequest: false);
                return;
            }

            metrics.IntakeRequest(OtlpConstants.Outcomes.Ok);
            context.Response.StatusCode = StatusCodes.Status204NoContent;
        }
        finally
        {
            inFlight.Release(held);
        }
    }

    /// <summary>Turns a request into samples, refusing invalid series and out-of-window samples with reasons.</summary>
    internal (List<SeriesSample> Samples, Rejections Rejections) Convert(WriteRequest request)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var minMs = nowMs - (long)options.MaxAge.TotalMilliseconds;
        var maxMs = nowMs + (long)options.MaxFutureSkew.TotalMilliseconds;
        var rejections = new Rejections();
        var samples = new List<SeriesSample>();
        var labels = new List<Label>(16);
        foreach (var series in request.Timeseries)
        {
            var seriesSamples = series.Samples.Count + series.Histograms.Count;
            if (series.Histograms.Count > 0)
            {
                rejections.Add(OtlpConstants.Reasons.Unsupported, $"unsupported: native histograms (series {Describe(series)})", series.Histograms.Count);
            }

            if (series.Samples.Count == 0)
            {
                continue;
            }

            if (ValidateLabels(series, labels) is { } problem)
            {
                rejections.Add(problem.Reason, $"{problem.Message} (series {Describe(series)})", seriesSamples - series.Histograms.Count);
                continue;
            }

            var set = LabelSet.From(labels);
            foreach (var sample in series.Samples)
            {
                if (sample.Timestamp < minMs)
                {
                    if (rejections.WantsMessage)
                    {
                        rejections.Add(OtlpConstants.Reasons.TooOld, $"sample at {Format(sample.Timestamp)} of {set} is older than the retention of {options.MaxAge.TotalHours.ToString(CultureInfo.InvariantCulture)}h");
                    }
                    else
                    {
                        rejections.Add(OtlpConstants.Reasons.TooOld, string.Empty);
                    }

                    continue;
                }

                if (sample.Timestamp > maxMs)
                {
                    rejections.Add(OtlpConstants.Reasons.TooFarInFuture, rejections.WantsMessage
                        ? $"sample at {Format(sample.Timestamp)} of {set} is more than {options.MaxFutureSkew.TotalMinutes.ToString(CultureInfo.InvariantCulture)} minutes ahead of the server clock"
                        : string.Empty);
                    continue;
                }

                samples.Add(new SeriesSample(set, sample.Timestamp, sample.Value));
            }
        }

        return (samples, rejections);
    }

    private (string Reason, string Message)? ValidateLabels(TimeSeries series, List<Label> labels)
    {
        labels.Clear();
        if (series.Labels.Count > options.MaxLabelsPerSeries)
        {
            return (OtlpConstants.Reasons.TooManyLabels, $"{series.Labels.Count} labels, over the limit of {options.MaxLabelsPerSeries}");
        }

        var hasName = false;
        foreach (var label in series.Labels)
        {
            if (!PrometheusNaming.IsValidLabelName(label.Name))
            {
                return (OtlpConstants.Reasons.InvalidLabels, $"invalid label name \"{Truncate(label.Name)}\"");
            }

            if (label.Name.Length > options.MaxLabelNameLength)
            {
                return (OtlpConstants.Reasons.LabelNameTooLong, $"label name of {label.Name.Length} characters, over the limit of {options.MaxLabelNameLength}");
            }

            if (label.Value.Length > options.MaxLabelValueLength)
            {
                return (OtlpConstants.Reasons.LabelValueTooLong, $"value of label {label.Name} has {label.Value.Length} characters, over the limit of {options.MaxLabelValueLength}");
            }

            foreach (var seen in labels)
            {
                if (seen.Name == label.Name)
                {
                    return (OtlpConstants.Reasons.InvalidLabels, $"duplicate label name \"{label.Name}\"");
                }
            }

            if (label.Name == LabelSet.MetricNameLabel)
            {
                if (!PrometheusNaming.IsValidMetricName(label.Value))
                {
                    return (OtlpConstants.Reasons.InvalidLabels, $"invalid metric name \"{Truncate(label.Value)}\"");
                }

                hasName = true;
            }

            labels.Add(new Label(label.Name, label.Value));
        }

        return hasName ? null : (OtlpConstants.Reasons.EmptyMetricName, "no __name__ label");
    }

    private static string Describe(TimeSeries series)
    {
        var text = "{" + string.Join(", ", series.Labels.Take(8).Select(l => $"{l.Name}=\"{Truncate(l.Value)}\"")) + (series.Labels.Count > 8 ? ", …}" : "}");
        return text;
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static string Format(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, -62135596800000, 253402300799999)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static MetricType ToMetricType(ProtoMetricType type) => type switch
    {
        ProtoMetricType.Counter => MetricType.Counter,
        ProtoMetricType.Gauge => MetricType.Gauge,
        ProtoMetricType.Histogram => MetricType.Histogram,
        ProtoMetricType.Gaugehistogram => MetricType.GaugeHistogram,
        ProtoMetricType.Summary => MetricType.Summary,
        ProtoMetricType.Info => MetricType.Info,
        ProtoMetricType.Stateset => MetricType.StateSet,
        _ => MetricType.Unknown,
    };

    private async Task RefuseAsync(HttpContext context, int status, string message, bool countRequest = true)
    {
        if (countRequest)
        {
            metrics.IntakeRequest(status == StatusCodes.Status413PayloadTooLarge ? OtlpConstants.Outcomes.TooLarge
                : status == StatusCodes.Status415UnsupportedMediaType ? OtlpConstants.Outcomes.UnsupportedMediaType
                : OtlpConstants.Outcomes.BadRequest);
        }

        LogRefused(logger, status, message);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    private async Task OverloadedAsync(HttpContext context, string message, TimeSpan retryAfter)
    {
        metrics.IntakeRequest(OtlpConstants.Outcomes.Overloaded);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(message + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "remote-write request refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string reason);
}

/// <summary>Registers and maps the remote-write receiver.</summary>
internal static class RemoteWriteEndpoints
{
    /// <summary>Maps <c>POST /api/v1/write</c>, which needs the ingest scope.</summary>
    public static IEndpointRouteBuilder MapRemoteWrite(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/write", static context => context.RequestServices.GetRequiredService<RemoteWriteReceiver>().HandleAsync(context))
            .WithDisplayName("Prometheus remote-write receiver")
            .RequireScope(ApiKeyScope.Ingest)
            .ExcludeFromDescription();
        return endpoints;
    }
}
