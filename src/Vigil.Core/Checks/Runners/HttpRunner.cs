using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Vigil.Core.Checks.Runners;

/// <summary>
/// Runs one HTTP(S) request (with redirects) on a fresh connection and times its phases: <c>dns</c>, <c>connect</c>,
/// <c>tls</c>, <c>first_byte</c> and <c>transfer</c>.
/// </summary>
/// <remarks>
/// The connection is opened in the handler's ConnectCallback, which resolves the name and connects itself so both are
/// timed. For https the TLS handshake is done there too (timed, with the check's own SNI, CA file and verification),
/// and the handler is given the request as http to the same host and port with the original Host header, so it does
/// not wrap the stream a second time; redirects are followed here, against the original URL, not by the handler.
/// Each run has its own handler, so no connection is reused between runs.
/// </remarks>
internal sealed class HttpRunner(TimeProvider time) : ICheckRunner
{
    /// <summary>The most of a body read and judged; the rest is not read.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private const string UserAgent = "Vigil-Check/1.0";

    public TimeProvider Time => time;

    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (HttpCheckSpec)attempt.Check.Spec;
        using var exchange = await SendAsync(spec, null, attempt, cancellationToken).ConfigureAwait(false);
        if (exchange.Failure is { } failure)
        {
            return AttemptOutcome.Failed(failure);
        }

        var results = CheckAssertions.Evaluate(spec.Assertions, exchange.View!);
        attempt.Assertions.AddRange(results);
        return AttemptOutcome.Judge(results, () => CheckFailures.Excerpt(exchange.View!.Body.Span));
    }

    /// <summary>
    /// Sends the request with secrets and <paramref name="variables"/> expanded, following redirects. A failure to
    /// reach the target is returned as <see cref="HttpExchange.Failure"/>; phases are added to <paramref name="attempt"/>.
    /// </summary>
    public async Task<HttpExchange> SendAsync(HttpCheckSpec spec, IReadOnlyDictionary<string, string>? variables, CheckAttempt attempt, CancellationToken cancellationToken)
    {
        if (attempt.Expand(spec.Url, variables, out var missing) is not { } urlText)
        {
            return HttpExchange.Failed(missing!);
        }

        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return HttpExchange.Failed($"'{CheckAssertions.Truncate(urlText)}' is not an absolute http:// or https:// URL");
        }

        var headers = new List<KeyValuePair<string, string>>(spec.Headers.Count + 1);
        foreach (var (name, value) in spec.Headers)
        {
            if (attempt.Expand(value, variables, out missing) is not { } expanded)
            {
                return HttpExchange.Failed(missing!);
            }

            headers.Add(new(name, expanded));
        }

        if (spec.Auth is { } auth && Authorization(auth, variables, attempt, out missing) is { } authorization)
        {
            headers.Add(new("Authorization", authorization));
        }
        else if (spec.Auth is not null)
        {
            return HttpExchange.Failed(missing!);
        }

        byte[]? body = null;
        if (spec.Body is not null)
        {
            if (attempt.Expand(spec.Body, variables, out missing) is not { } expandedBody)
            {
                return HttpExchange.Failed(missing!);
            }

            body = Encoding.UTF8.GetBytes(expandedBody);
        }

        var connection = new ConnectionState(time, spec.Tls);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = connection.ConnectAsync,
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        var method = new HttpMethod(spec.Method);
        var start = time.GetTimestamp();
        var origin = url;
        for (var redirects = 0; ; redirects++)
        {
            using var request = Request(method, url, headers, body, sameOrigin: SameOrigin(origin, url));
            connection.UseTls = url.Scheme == "https";
            connection.ServerName = spec.Tls.ServerName ?? url.IdnHost;
            var sent = time.GetTimestamp();
            var before = connection.Spent;
            HttpResponseMessage response;
            try
            {
                response = await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
            {
                connection.AddPhases(attempt);
                var reason = connection.TlsRejection ?? CheckFailures.Describe(e);
                return HttpExchange.Failed($"{Verb(method, url)}: {reason}");
            }

            using (response)
            {
                var headersAt = time.GetTimestamp();
                attempt.AddPhase("first_byte", TimeSpan.FromTicks(Math.Max(0, time.GetElapsedTime(sent, headersAt).Ticks - (connection.Spent - before).Ticks)));
                var status = (int)response.StatusCode;
                if (spec.FollowRedirects && status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
                {
                    await Drain(response, cancellationToken).ConfigureAwait(false);
                    attempt.AddPhase("transfer", time.GetElapsedTime(headersAt));
                    if (redirects >= spec.MaxRedirects)
                    {
                        connection.AddPhases(attempt);
                        return HttpExchange.Failed($"{Verb(method, url)}: more than {spec.MaxRedirects} redirects");
                    }

                    url = new Uri(url, location);
                    if (url.Scheme is not ("http" or "https"))
                    {
                        connection.AddPhases(attempt);
                        return HttpExchange.Failed($"redirected to {url.Scheme}:, not http or https");
                    }

                    if (status == 303 || (status is 301 or 302 && method == HttpMethod.Post))
                    {
                        method = HttpMethod.Get;
                        body = null;
                    }

                    continue;
                }

                var (buffer, length, truncated) = await ReadBody(response, cancellationToken).ConfigureAwait(false);
                attempt.AddPhase("transfer", time.GetElapsedTime(headersAt));
                connection.AddPhases(attempt);
                var days = connection.Seen.NotAfter is { } notAfter ? (notAfter - time.GetUtcNow().UtcDateTime).TotalDays : (double?)null;
                var responseHeaders = new List<KeyValuePair<string, string>>();
                foreach (var header in response.Headers.NonValidated)
                {
                    responseHeaders.Add(new(header.Key, header.Value.ToString()));
                }

                foreach (var header in response.Content.Headers.NonValidated)
                {
                    responseHeaders.Add(new(header.Key, header.Value.ToString()));
                }

                var view = new HttpResponseView(status, responseHeaders, buffer.AsMemory(0, length), truncated, time.GetElapsedTime(start), days);
                return new HttpExchange(view, buffer, null);
            }
        }
    }

    private static string Verb(HttpMethod method, Uri url) => $"{method} {url.GetLeftPart(UriPartial.Path)}";

    private static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase);

    private static string? Authorization(HttpAuth auth, IReadOnlyDictionary<string, string>? variables, CheckAttempt attempt, out string? missing)
    {
        missing = null;
        if (auth.BearerToken is { } token)
        {
            return attempt.Expand(token, variables, out missing) is { } t ? $"Bearer {t}" : null;
        }

        if (attempt.Expand(auth.Username!, variables, out missing) is not { } user || attempt.Expand(auth.Password!, variables, out missing) is not { } password)
        {
            return null;
        }

        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        if (password.Length > 0)
        {
            attempt.Secrets.Add(encoded);
        }

        return $"Basic {encoded}";
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri url, List<KeyValuePair<string, string>> headers, byte[]? body, bool sameOrigin)
    {
        // https goes to the handler as http to the same host and port: the TLS is done in the connect callback.
        var target = url;
        if (url.Scheme == "https")
        {
            target = new UriBuilder(url) { Scheme = "http", Port = url.Port }.Uri;
        }

        var request = new HttpRequestMessage(method, target) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.Host = url.Authority;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
        }

        var agent = false;
        foreach (var (name, value) in headers)
        {
            // Credentials go only to the origin the check names; a redirect elsewhere does not get them.
            if (!sameOrigin && (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            agent |= name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase);
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
            }
            else if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (!agent)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
        }

        return request;
    }

    private static async Task Drain(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var (buffer, _, _) = await ReadBody(response, cancellationToken).ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    // Reads up to MaxBodyBytes into a pooled buffer (returned by HttpExchange.Dispose).
    private static async Task<(byte[] Buffer, int Length, bool Truncated)> ReadBody(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var expected = response.Content.Headers.ContentLength is { } cl and > 0 ? (int)Math.Min(cl, MaxBodyBytes) : 4096;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(expected, 512));
        var length = 0;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (buffer.Length >= MaxBodyBytes)
                        {
                            return (buffer, length, true);
                        }

                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxBodyBytes));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, MaxBodyBytes) - length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer, length, false);
                    }

                    length += read;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>The connection of one run: opens sockets itself so DNS, connect and TLS are timed.</summary>
    private sealed class ConnectionState(TimeProvider time, TlsClientOptions tls)
    {
        private TimeSpan _dns;
        private TimeSpan _connect;
        private TimeSpan _tls;
        private X509Certificate2Collection? _trust;

        public bool UseTls { get; set; }

        public string ServerName { get; set; } = string.Empty;

        public TlsValidation.Seen Seen { get; } = new();

        public string? TlsRejection => Seen.Rejection;

        /// <summary>Time spent opening connections so far (subtracted from first_byte).</summary>
        public TimeSpan Spent => _dns + _connect + _tls;

        public void AddPhases(CheckAttempt attempt)
        {
            attempt.AddPhase("dns", _dns);
            attempt.AddPhase("connect", _connect);
            if (_tls > TimeSpan.Zero || UseTls)
            {
                attempt.AddPhase("tls", _tls);
            }

            _dns = _connect = _tls = TimeSpan.Zero;
        }

        public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            var endpoint = context.DnsEndPoint;
            var start = time.GetTimestamp();
            IPAddress[] addresses;
            if (IPAddress.TryParse(endpoint.Host, out var literal))
            {
                addresses = [literal];
            }
            else
            {
                addresses = await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);
                if (addresses.Length == 0)
                {
                    throw new SocketException((int)SocketError.HostNotFound);
                }
            }

            var resolved = time.GetTimestamp();
            _dns += time.GetElapsedTime(start, resolved);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            var connected = time.GetTimestamp();
            _connect += time.GetElapsedTime(resolved, connected);
            var stream = new NetworkStream(socket, ownsSocket: true);
            if (!UseTls)
            {
                return stream;
            }

            if (tls.CaFile is { } caFile && !tls.InsecureSkipVerify)
            {
                _trust ??= TlsValidation.LoadCaFile(caFile);
            }

            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            var serverName = ServerName;
            try
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = serverName,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        {
                            TlsValidation.Inspect(certificate, chain, errors, _trust, Seen);
                            return TlsValidation.Accept(Seen, tls.InsecureSkipVerify, serverName);
                        },
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            _tls += time.GetElapsedTime(connected);
            return ssl;
        }
    }
}

/// <summary>A response read by <see cref="HttpRunner"/>, or why there is none. Disposing returns the body buffer to the pool.</summary>
internal sealed class HttpExchange(HttpResponseView? view, byte[]? buffer, string? failure) : IDisposable
{
    private byte[]? _buffer = buffer;

    public HttpResponseView? View { get; } = view;

    public string? Failure { get; } = failure;

    public static HttpExchange Failed(string reason) => new(null, null, reason);

    public void Dispose()
    {
        View?.Dispose();
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
