using System.Globalization;
using System.Text.Json;
using Vigil.Client.Contracts;

namespace Vigil.Client;

public sealed partial class VigilClient
{
    // A PromQL answer can be large (a matrix of many series); it is still bounded.
    private const int MaxQueryResponseBytes = 256 * 1024 * 1024;

    /// <summary>
    /// Evaluates a PromQL expression at one instant; <c>POST /api/v1/query</c> (form body, so long expressions fit).
    /// An error answer (<c>{"status":"error","errorType":…}</c>) throws <see cref="VigilApiException"/> whose title is
    /// the Prometheus error type.
    /// </summary>
    /// <param name="query">The expression.</param>
    /// <param name="time">The evaluation time; null is the server's now.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<PromQlQueryResult> QueryAsync(string query, DateTimeOffset? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var form = new List<KeyValuePair<string, string>> { new("query", query) };
        if (time is { } t)
        {
            form.Add(new("time", Seconds(t)));
        }

        return PostPromQlAsync("api/v1/query", form, cancellationToken);
    }

    /// <summary>Evaluates a PromQL expression at every step from start to end; <c>POST /api/v1/query_range</c>.</summary>
    /// <param name="query">The expression.</param>
    /// <param name="start">The first evaluation time.</param>
    /// <param name="end">The last evaluation time (inclusive when on a step).</param>
    /// <param name="step">The resolution.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<PromQlQueryResult> QueryRangeAsync(string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var form = new List<KeyValuePair<string, string>>
        {
            new("query", query),
            new("start", Seconds(start)),
            new("end", Seconds(end)),
            new("step", step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)),
        };
        return PostPromQlAsync("api/v1/query_range", form, cancellationToken);
    }

    private static string Seconds(DateTimeOffset t) => (t.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);

    private async Task<PromQlQueryResult> PostPromQlAsync(string route, List<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Post, route);
        request.Content = new FormUrlEncodedContent(form);
        JsonDocument document;
        int status;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (mediaType is null || !mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            {
                // Not the Prometheus envelope (a proxy's page, a 401 problem detail, ...): report it as any other error.
                throw new VigilApiException(status, await ReadProblemAsync(response, cancellationToken));
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            document = await JsonDocument.ParseAsync(new BoundedReadStream(stream, MaxQueryResponseBytes), cancellationToken: cancellationToken);
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            throw Unreachable(e);
        }
        catch (JsonException e)
        {
            throw InvalidAnswer(status: 0, route, e.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var outcome))
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("title", out _))
                {
                    var problem = root.Deserialize<ProblemDetailsDto>(VigilJson.Options) ?? new ProblemDetailsDto();
                    throw new VigilApiException(status, problem with { Status = problem.Status ?? status });
                }

                throw InvalidAnswer(status, route, "no \"status\" member");
            }

            if (outcome.GetString() != "success")
            {
                var type = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                var message = root.TryGetProperty("error", out var m) ? m.GetString() : null;
                throw new VigilApiException(status, new ProblemDetailsDto { Title = type ?? "error", Status = status, Detail = message });
            }

            try
            {
                var data = root.GetProperty("data").Clone();
                return new PromQlQueryResult(data.GetProperty("resultType").GetString() ?? string.Empty, ReadSeries(data), data);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException or FormatException)
            {
                throw InvalidAnswer(status, route, e.Message);
            }
        }
    }

    private static List<PromQlSeries> ReadSeries(JsonElement data)
    {
        var result = data.GetProperty("result");
        var type = data.GetProperty("resultType").GetString();
        if (type is "scalar" or "string")
        {
            return [new PromQlSeries(new Dictionary<string, string>(), [Point(result)])];
        }

        var series = new List<PromQlSeries>();
        foreach (var element in result.EnumerateArray())
        {
            var metric = element.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
            var points = element.TryGetProperty("values", out var values)
                ? values.EnumerateArray().Select(Point).ToList()
                : [Point(element.GetProperty("value"))];
            series.Add(new PromQlSeries(metric, points));
        }

        return series;
    }

    private static PromQlPoint Point(JsonElement pair) => new(pair[0].GetDouble(), pair[1].GetString() ?? string.Empty);

    private static VigilApiException InvalidAnswer(int status, string route, string reason) => new(status, new ProblemDetailsDto
    {
        Title = "Invalid response",
        Status = status,
        Detail = $"The server's answer to POST /{route} is not the Prometheus API's JSON: {reason}",
    });

    /// <summary>A read-only stream that fails once more than a set number of bytes were read.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            _read += read;
            return _read <= limit ? read : throw new JsonException($"the answer is larger than {limit} bytes");
        }
    }
}
