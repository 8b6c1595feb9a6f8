using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Vigil.Core.Checks.Runners;

/// <summary>A TLS handshake (phases <c>dns</c>, <c>connect</c>, <c>tls</c>) that judges the certificate: expiry, chain and host name.</summary>
internal sealed class TlsRunner(TimeProvider time) : ICheckRunner
{
    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (TlsCheckSpec)attempt.Check.Spec;
        var serverName = spec.ServerName ?? spec.Host;
        var trust = spec.CaFile is not null ? TlsValidation.LoadCaFile(spec.CaFile) : null;
        using var socket = await TcpRunner.Connect(spec.Host, spec.Port, attempt, time, cancellationToken).ConfigureAwait(false);
        if (socket is null)
        {
            return AttemptOutcome.Failed($"{spec.Host}: host not found");
        }

        var seen = new TlsValidation.Seen();
        var start = time.GetTimestamp();
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        await using (ssl.ConfigureAwait(false))
        {
            try
            {
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = serverName,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                        // The handshake always completes so the certificate can be judged (expiry, chain, name) with readable
                        // reasons; nothing is sent over this connection.
#pragma warning disable CA5359
                        RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                        {
                            TlsValidation.Inspect(certificate, chain, errors, trust, seen);
                            return true;
                        },
#pragma warning restore CA5359
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException)
            {
                attempt.AddPhase("tls", time.GetElapsedTime(start));
                return AttemptOutcome.Failed($"{spec.Host}:{spec.Port}: TLS handshake failed: {CheckFailures.Describe(e.InnerException ?? e)}");
            }
        }

        attempt.AddPhase("tls", time.GetElapsedTime(start));
        var assertions = new List<AssertionResult>();
        if (seen.NotAfter is not { } notAfter)
        {
            return AttemptOutcome.Failed($"{spec.Host}:{spec.Port}: {seen.ChainProblem ?? "the server sent no certificate"}");
        }

        var left = (notAfter - time.GetUtcNow().UtcDateTime).TotalDays;
        var days = Math.Floor(left);
        var shown = days.ToString(CultureInfo.InvariantCulture);
        var expiry = left < 0
            ? $"the certificate expired {Math.Floor(-left).ToString(CultureInfo.InvariantCulture)} days ago ({notAfter:yyyy-MM-dd})"
            : $"the certificate expires in {shown} days ({notAfter:yyyy-MM-dd})";
        assertions.Add(new AssertionResult($"days until expiry >= {spec.MinDaysUntilExpiry}", days >= spec.MinDaysUntilExpiry, false, shown, days >= spec.MinDaysUntilExpiry ? null : $"{expiry}, fewer than minDaysUntilExpiry {spec.MinDaysUntilExpiry}"));
        if (days >= spec.MinDaysUntilExpiry)
        {
            var warn = days >= spec.WarnDaysUntilExpiry;
            assertions.Add(new AssertionResult($"days until expiry >= {spec.WarnDaysUntilExpiry}", warn, true, shown, warn ? null : $"{expiry}, fewer than warnDaysUntilExpiry {spec.WarnDaysUntilExpiry}"));
        }

        if (spec.RequireValidChain)
        {
            assertions.Add(new AssertionResult("valid chain", seen.ChainProblem is null, false, null, seen.ChainProblem is null ? null : $"certificate not trusted: {seen.ChainProblem}"));
        }

        if (spec.RequireHostnameMatch)
        {
            assertions.Add(new AssertionResult($"valid for {serverName}", seen.NameMatches, false, seen.Subject, seen.NameMatches ? null : $"certificate ({seen.Subject}) is not valid for {serverName}"));
        }

        attempt.Assertions.AddRange(assertions);
        return AttemptOutcome.Judge(assertions, () => null);
    }
}
