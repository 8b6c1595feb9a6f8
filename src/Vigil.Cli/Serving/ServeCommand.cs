using System.CommandLine;
using Vigil.Server.Hosting;

namespace Vigil.Cli.Serving;

/// <summary><c>vigil serve</c>: runs the server in this process until Ctrl+C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "The configuration file. Default: ./vigil.yaml when present.", HelpName = "FILE" };
        var data = new Option<string?>("--data") { Description = "The data directory (telemetry and state.db).", HelpName = "DIR" };
        var listen = new Option<string?>("--listen") { Description = "Address of the UI, REST API and OTLP/HTTP under /v1. Default: 127.0.0.1:7070.", HelpName = "HOST:PORT" };
        var otlpGrpc = new Option<string?>("--otlp-grpc") { Description = "Address of the OTLP gRPC receiver. Default: 127.0.0.1:4317.", HelpName = "HOST:PORT" };
        var otlpHttp = new Option<string?>("--otlp-http") { Description = "Address of the OTLP HTTP receiver. Default: 127.0.0.1:4318.", HelpName = "HOST:PORT" };
        var readyFile = new Option<string?>("--ready-file") { Description = "Write the bound addresses here as JSON once listening (for tests and supervisors).", HelpName = "FILE" };

        var serve = new Command("serve", "Run the Vigil server. Port 0 picks a free port; a non-loopback address requires API keys.")
        {
            config, data, listen, otlpGrpc, otlpHttp, readyFile,
        };
        serve.SetAction((parseResult, cancellationToken) => VigilServer.RunAsync(
            new ServeArguments(
                ConfigFile: parseResult.GetValue(config),
                DataDirectory: parseResult.GetValue(data),
                Listen: parseResult.GetValue(listen),
                OtlpGrpc: parseResult.GetValue(otlpGrpc),
                OtlpHttp: parseResult.GetValue(otlpHttp),
                ReadyFile: parseResult.GetValue(readyFile)),
            cancellationToken));
        return serve;
    }
}
