using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Vigil.Core.Checks.Runners;

/// <summary>
/// The gRPC health checking protocol: <c>grpc.health.v1.Health/Check</c> for the service, expecting SERVING, over a fresh
/// HTTP/2 connection (phases <c>dns</c>, <c>connect</c>, then <c>rpc</c> for the handshake and the call).
/// </summary>
internal sealed class GrpcRunner(TimeProvider time) : ICheckRunner
{
    public async Task<AttemptOutcome> RunAsync(CheckAttempt attempt, CancellationToken cancellationToken)
    {
        var spec = (GrpcCheckSpec)attempt.Check.Spec;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            EnableMultipleHttp2Connections = false,
            ConnectCallback = async (context, token) =>
            {
                var socket = await TcpRunner.Connect(context.DnsEndPoint.Host, context.DnsEndPoint.Port, attempt, time, token).ConfigureAwait(false)
                    ?? throw new CheckTargetException($"{context.DnsEndPoint.Host}: host not found");
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        if (spec.Tls && spec.InsecureSkipVerify)
        {
            // The check asked for it (insecureSkipVerify: true), as for a self-signed internal endpoint.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        using var channel = GrpcChannel.ForAddress(
            $"{(spec.Tls ? "https" : "http")}://{spec.Address}",
            new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true, MaxReceiveMessageSize = 64 * 1024 });
        var client = new Health.HealthClient(channel);
        var start = time.GetTimestamp();
        var service = spec.Service.Length == 0 ? "the server" : $"service '{spec.Service}'";
        try
        {
            var response = await client.CheckAsync(new HealthCheckRequest { Service = spec.Service }, cancellationToken: cancellationToken).ConfigureAwait(false);
            attempt.AddPhase("rpc", RpcTime(attempt, start));
            var serving = response.Status == HealthCheckResponse.Types.ServingStatus.Serving;
            var status = Name(response.Status);
            var result = new AssertionResult("status == SERVING", serving, false, status, serving ? null : $"{spec.Address}: {service} is {status}, expected SERVING");
            attempt.Assertions.Add(result);
            return AttemptOutcome.Judge([result], () => null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            attempt.AddPhase("rpc", RpcTime(attempt, start));
            var reason = e.StatusCode switch
            {
                StatusCode.NotFound => $"{service} is unknown to the health service",
                StatusCode.Unimplemented => "the server does not implement grpc.health.v1.Health",
                StatusCode.Unavailable when e.Status.DebugException is { } inner => CheckFailures.Describe(inner),
                _ => $"{e.StatusCode}: {e.Status.Detail}",
            };
            return AttemptOutcome.Failed($"{spec.Address}: {reason}");
        }
    }

    // The call's time without the connect phases the callback measured inside it.
    private TimeSpan RpcTime(CheckAttempt attempt, long start)
    {
        var connecting = attempt.Phases.Where(p => p.Name is "dns" or "connect").Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Duration);
        var total = time.GetElapsedTime(start);
        return total > connecting ? total - connecting : TimeSpan.Zero;
    }

    private static string Name(HealthCheckResponse.Types.ServingStatus status) => status switch
    {
        HealthCheckResponse.Types.ServingStatus.Serving => "SERVING",
        HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
        HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
        _ => "UNKNOWN",
    };
}
