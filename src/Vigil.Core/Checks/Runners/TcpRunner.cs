using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Vigil.Core.Checks.Runners;

/// <summary>A TCP connect (phases <c>dns</c>, <c>connect</c>), then optionally sends text and reads until the expected reply arrives.</summary>
internal sealed class TcpRunner(TimeProvider time) : ICheckRunner
{
    /// <summary>The most of a reply read while waiting for the expected text.</summary>
    public const int MaxReplyBytes = 64 * 1024;

    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (TcpCheckSpec)attempt.Check.Spec;
        string? send = null;
        if (spec.Send is not null && (send = attempt.Expand(spec.Send, null, out var missing)) is null)
        {
            return AttemptOutcome.Failed(missing!);
        }

        var target = $"{spec.Host}:{spec.Port}";
        using var socket = await Connect(spec.Host, spec.Port, attempt, time, cancellationToken).ConfigureAwait(false) is { } s ? s : null;
        if (socket is null)
        {
            return AttemptOutcome.Failed($"{target}: host not found");
        }

        if (send is null && spec.Expect is null && spec.ExpectPattern is null)
        {
            return AttemptOutcome.Passed;
        }

        var connected = time.GetTimestamp();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        if (send is not null)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(send), cancellationToken).ConfigureAwait(false);
        }

        if (spec.Expect is null && spec.ExpectPattern is null)
        {
            attempt.AddPhase("transfer", time.GetElapsedTime(connected));
            return AttemptOutcome.Passed;
        }

        var buffer = new byte[4096];
        var reply = new StringBuilder();
        var total = 0;
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read > 0)
            {
                total += read;
                var count = decoder.GetChars(buffer, 0, read, chars, 0);
                reply.Append(chars, 0, count);
                var text = reply.ToString();
                if (Matches(spec, text))
                {
                    attempt.AddPhase("transfer", time.GetElapsedTime(connected));
                    return AttemptOutcome.Passed;
                }
            }

            if (read == 0 || total >= MaxReplyBytes)
            {
                attempt.AddPhase("transfer", time.GetElapsedTime(connected));
                var why = read == 0 ? "the server closed the connection" : $"read {MaxReplyBytes / 1024} KiB";
                var expected = spec.Expect is not null ? $"\"{spec.Expect}\"" : $"/{spec.ExpectPattern}/";
                var reason = total == 0 ? $"{target}: {why} without replying, expected {expected}" : $"{target}: reply does not {(spec.Expect is not null ? "contain" : "match")} {expected} ({why})";
                return AttemptOutcome.Failed(reason, reply.Length == 0 ? null : reply.ToString());
            }
        }
    }

    private static bool Matches(TcpCheckSpec spec, string reply) =>
        (spec.Expect is null || reply.Contains(spec.Expect, StringComparison.Ordinal)) && (spec.ExpectPattern is null || spec.ExpectPattern.IsMatch(reply));

    /// <summary>Resolves and connects, adding the <c>dns</c> and <c>connect</c> phases; null when the name has no address.</summary>
    public static async Task<Socket?> Connect(string host, int port, CheckAttempt attempt, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new CheckTargetException($"{host}: {CheckFailures.Describe(e)}", e);
        }

        var resolved = time.GetTimestamp();
        attempt.AddPhase("dns", time.GetElapsedTime(start, resolved));
        if (addresses.Length == 0)
        {
            return null;
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            attempt.AddPhase("connect", time.GetElapsedTime(resolved));
            throw new CheckTargetException($"{host}:{port}: {CheckFailures.Describe(e)}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        attempt.AddPhase("connect", time.GetElapsedTime(resolved));
        return socket;
    }
}
