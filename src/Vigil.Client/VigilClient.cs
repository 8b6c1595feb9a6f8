using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Vigil.Client.Contracts;

namespace Vigil.Client;

/// <summary>
/// A typed client of Vigil's REST API (<c>/api/v1/...</c>). Errors the server reports throw
/// <see cref="VigilApiException"/> with the RFC 9457 problem detail; no answer at all (refused, dropped, timed out)
/// throws <see cref="VigilUnreachableException"/>. Thread-safe; one instance serves many requests.
/// </summary>
public sealed partial class VigilClient : IDisposable
{
    /// <summary>The request timeout when the client builds its own <see cref="HttpClient"/>: 30 seconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // Error bodies are read up to this size: enough for any problem detail, bounded against a hostile or broken server.
    private const int MaxErrorBodyBytes = 64 * 1024;
    private const int MaxDetailChars = 500;

    private static readonly MediaTypeWithQualityHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue ProblemJson = new("application/problem+json");

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly string? _apiKey;

    /// <summary>
    /// Creates a client with its own <see cref="HttpClient"/>, timing out after <paramref name="timeout"/>
    /// (<see cref="DefaultTimeout"/> when null).
    /// </summary>
    /// <param name="server">The server's base address, such as <c>http://127.0.0.1:7070</c>; a path prefix is kept.</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c> on every request; null sends none.</param>
    /// <param name="handler">The message handler to send through (tests); null uses the default.</param>
    /// <param name="timeout">The timeout of one request.</param>
    public VigilClient(Uri server, string? apiKey = null, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
        : this(handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false), server, apiKey, ownsHttp: true)
    {
        _http.Timeout = timeout ?? DefaultTimeout;
    }

    /// <summary>Creates a client over an <see cref="HttpClient"/> the caller owns (and disposes).</summary>
    /// <param name="httpClient">The client to send through; its <c>BaseAddress</c> is ignored.</param>
    /// <param name="server">The server's base address; a path prefix is kept.</param>
    /// <param name="apiKey">Sent as <c>Authorization: Bearer</c> on every request; null sends none.</param>
    public VigilClient(HttpClient httpClient, Uri server, string? apiKey = null)
        : this(httpClient, server, apiKey, ownsHttp: false)
    {
    }

    private VigilClient(HttpClient httpClient, Uri server, string? apiKey, bool ownsHttp)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(server);
        if (!server.IsAbsoluteUri || (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The server address must be an absolute http or https URL, not '{server}'.", nameof(server));
        }

        if (apiKey is not null && (apiKey.Length == 0 || apiKey.Any(char.IsControl) || apiKey.Contains(' ', StringComparison.Ordinal)))
        {
            // Never echo the key itself.
            throw new ArgumentException("The API key is empty or contains spaces or control characters.", nameof(apiKey));
        }

        _http = httpClient;
        _ownsHttp = ownsHttp;
        _apiKey = apiKey;
        // Relative routes resolve under the base path only when it ends with a slash.
        Server = server.AbsolutePath.EndsWith('/') ? server : new Uri(server.AbsoluteUri + "/");
    }

    /// <summary>The server's base address, ending with a slash.</summary>
    public Uri Server { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private async Task<T> GetAsync<T>(string route, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, route);
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task<T> PostAsync<TBody, T>(string route, TBody body, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Post, route);
        request.Content = JsonContent.Create(body, options: VigilJson.Options);
        return await SendAsync<T>(request, cancellationToken);
    }

    private async Task DeleteAsync(string route, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Delete, route);
        using var response = await SendCheckedAsync(request, cancellationToken);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string route)
    {
        var request = new HttpRequestMessage(method, new Uri(Server, route));
        request.Headers.Accept.Add(Json);
        request.Headers.Accept.Add(ProblemJson);
        if (_apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        return request;
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await SendCheckedAsync(request, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(VigilJson.Options, cancellationToken)
                ?? throw new JsonException("The body is JSON null.");
        }
        catch (JsonException e)
        {
            throw new VigilApiException((int)response.StatusCode, new ProblemDetailsDto
            {
                Title = "Invalid response",
                Status = (int)response.StatusCode,
                Detail = $"The server's answer to {request.Method} {request.RequestUri?.AbsolutePath} is not the expected JSON: {e.Message}",
            });
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            throw Unreachable(e);
        }
    }

    /// <summary>Sends the request; returns the response when its status is a success, throws otherwise.</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (IsTransportFailure(e, cancellationToken))
        {
            throw Unreachable(e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            ProblemDetailsDto problem;
            try
            {
                problem = await ReadProblemAsync(response, cancellationToken);
            }
            catch (Exception e) when (IsTransportFailure(e, cancellationToken))
            {
                throw Unreachable(e);
            }

            throw new VigilApiException((int)response.StatusCode, problem);
        }
    }

    private static async Task<ProblemDetailsDto> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await ReadBoundedAsync(response.Content, cancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is not null && mediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var problem = JsonSerializer.Deserialize<ProblemDetailsDto>(text, VigilJson.Options);
                if (problem is not null)
                {
                    return problem with { Status = problem.Status ?? status };
                }
            }
            catch (JsonException)
            {
                // Not a problem detail after all: fall through and report the body as text.
            }
        }

        var detail = text.Trim();
        return new ProblemDetailsDto
        {
            Title = string.IsNullOrEmpty(response.ReasonPhrase) ? "Request failed" : response.ReasonPhrase,
            Status = status,
            Detail = detail.Length == 0 ? null : detail.Length <= MaxDetailChars ? detail : detail[..MaxDetailChars] + "...",
        };
    }

    private static async Task<string> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>
    /// True for failures of the transport: connection errors, and timeouts (HttpClient reports those as a cancellation
    /// that the caller did not ask for). A cancellation the caller asked for propagates as it is.
    /// </summary>
    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException ||
        (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);

    private VigilUnreachableException Unreachable(Exception e)
    {
        var reason = e is TaskCanceledException
            ? $"no answer within {_http.Timeout.TotalSeconds:0.#} s"
            : Innermost(e).Message;
        return new VigilUnreachableException(Server, reason, e);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
