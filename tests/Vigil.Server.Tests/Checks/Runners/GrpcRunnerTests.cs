using Vigil.Core.Checks;
using static Vigil.Server.Tests.Checks.Runners.CheckRuns;

namespace Vigil.Server.Tests.Checks.Runners;

public sealed class GrpcRunnerTests(CheckTargetServer server) : IClassFixture<CheckTargetServer>
{
    [Fact]
    public async Task Run_Serving_Passes()
    {
        var whole = await RunAsync("grpc", $"address: 127.0.0.1:{server.GrpcPort}");
        var service = await RunAsync("grpc", $"address: 127.0.0.1:{server.GrpcPort}\nservice: orders");

        Assert.True(whole.Outcome == CheckOutcome.Pass, Show(whole));
        Assert.True(service.Outcome == CheckOutcome.Pass, Show(service));
        Assert.Contains(service.Phases, p => p.Name == "rpc");
    }

    [Fact]
    public async Task Run_NotServing_FailsWithTheStatus()
    {
        var result = await RunAsync("grpc", $"address: 127.0.0.1:{server.GrpcPort}\nservice: billing");

        Assert.Equal($"127.0.0.1:{server.GrpcPort}: service 'billing' is NOT_SERVING, expected SERVING", result.Reason);
    }

    [Fact]
    public async Task Run_UnknownService_Fails()
    {
        var result = await RunAsync("grpc", $"address: 127.0.0.1:{server.GrpcPort}\nservice: nope");

        Assert.Equal($"127.0.0.1:{server.GrpcPort}: service 'nope' is unknown to the health service", result.Reason);
    }

    [Fact]
    public async Task Run_OverTlsWithInsecureSkipVerify_Passes()
    {
        var result = await RunAsync("grpc", $"address: 127.0.0.1:{server.HttpsPort}\ntls: true\ninsecureSkipVerify: true");

        Assert.True(result.Outcome == CheckOutcome.Pass, Show(result));
    }

    [Fact]
    public async Task Run_NothingListening_FailsWithReason()
    {
        var port = Integration.PrometheusProcess.FreePort();

        var result = await RunAsync("grpc", $"address: 127.0.0.1:{port}");

        Assert.Equal(CheckOutcome.Fail, result.Outcome);
        Assert.Contains("connection refused", result.Reason, StringComparison.Ordinal);
    }
}
