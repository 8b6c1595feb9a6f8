using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Vigil.Core.Checks.Runners;

/// <summary>What one attempt of a run needs and collects: phases, assertions and steps are added as they happen, so a timeout keeps what was measured.</summary>
internal sealed class CheckAttempt(CheckDefinition check, CheckRunContext run, TimeProvider time, SecretMask secrets)
{
    public CheckDefinition Check { get; } = check;

    public CheckRunContext Run { get; } = run;

    public TimeProvider Time { get; } = time;

    public SecretMask Secrets { get; } = secrets;

    /// <summary>The caller's token (shutdown), as opposed to the attempt's token, which the timeout cancels too.</summary>
    public CancellationToken CallerToken { get; init; }

    public List<CheckPhase> Phases { get; } = [];

    public List<AssertionResult> Assertions { get; } = [];

    public List<StepResult> Steps { get; } = [];

    /// <summary>Adds <paramref name="duration"/> to the phase <paramref name="name"/> (phases of several requests add up).</summary>
    public void AddPhase(string name, TimeSpan duration)
    {
        for (var i = 0; i < Phases.Count; i++)
        {
            if (Phases[i].Name == name)
            {
                Phases[i] = Phases[i] with { Duration = Phases[i].Duration + duration };
                return;
            }
        }

        Phases.Add(new CheckPhase(name, duration));
    }

    /// <summary>Expands secrets (and flow variables) in <paramref name="text"/>; null with <paramref name="missing"/> when one has no value.</summary>
    public string? Expand(string text, IReadOnlyDictionary<string, string>? variables, out string? missing) =>
        CheckTemplates.Expand(text, variables, Run.ResolveSecret, Secrets, out missing);
}

/// <summary>How an attempt ended (its phases and assertions are on the <see cref="CheckAttempt"/>).</summary>
internal sealed record AttemptOutcome(CheckOutcome Outcome, string? Reason, string? Excerpt)
{
    public static AttemptOutcome Passed { get; } = new(CheckOutcome.Pass, null, null);

    public static AttemptOutcome Failed(string reason, string? excerpt = null) => new(CheckOutcome.Fail, reason, excerpt);

    /// <summary>The outcome of assertions: Fail on a hard failure, Degraded on soft failures only, else Pass.</summary>
    public static AttemptOutcome Judge(IReadOnlyList<AssertionResult> assertions, Func<string?> excerpt)
    {
        var hard = assertions.Where(a => !a.Passed && !a.Soft).Select(a => a.Reason).ToList();
        if (hard.Count > 0)
        {
            return new(CheckOutcome.Fail, Join(hard), excerpt());
        }

        var soft = assertions.Where(a => !a.Passed).Select(a => a.Reason).ToList();
        return soft.Count > 0 ? new(CheckOutcome.Degraded, Join(soft), excerpt()) : Passed;
    }

    private static string Join(List<string?> reasons) =>
        reasons.Count <= 3 ? string.Join("; ", reasons) : $"{string.Join("; ", reasons.Take(3))}; and {reasons.Count - 3} more";
}

/// <summary>One protocol's runner.</summary>
internal interface ICheckRunner
{
    Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>Readable reasons for exceptions a target can cause.</summary>
internal static class CheckFailures
{
    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is CheckTargetException target)
            {
                return target.Message;
            }
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused",
                        SocketError.HostNotFound or SocketError.NoData => "host not found",
                        SocketError.TimedOut => "connection timed out",
                        SocketError.ConnectionReset => "connection reset by the server",
                        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "host unreachable",
                        _ => $"network error: {socket.Message}",
                    };
                case AuthenticationException auth:
                    return $"TLS handshake failed: {auth.Message}";
            }
        }

        var innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost is EndOfStreamException || innermost.Message.Contains("end of stream", StringComparison.OrdinalIgnoreCase)
            ? "the server closed the connection early"
            : innermost.Message;
    }

    /// <summary>The start of a body as text, at most twice <see cref="CheckResult.MaxExcerptLength"/> characters (the executor masks secrets, then cuts).</summary>
    public static string? Excerpt(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        // Twice the excerpt, so a secret cut by the end is still whole when the executor masks it before truncating.
        var bytes = body[..Math.Min(body.Length, CheckResult.MaxExcerptLength * 8)];
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length <= 2 * CheckResult.MaxExcerptLength ? text : text[..(2 * CheckResult.MaxExcerptLength)];
    }
}

/// <summary>A target failure whose message is already the readable reason.</summary>
internal sealed class CheckTargetException : IOException
{
    public CheckTargetException()
    {
    }

    public CheckTargetException(string message)
        : base(message)
    {
    }

    public CheckTargetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
