namespace Vigil.Server.Hosting;

/// <summary>
/// The command-line flags of <c>vigil serve</c>. Each non-null value overrides <c>vigil.yaml</c> and
/// <c>VIGIL__*</c> environment variables. Addresses are <c>HOST:PORT</c>; port 0 picks a free port.
/// </summary>
public sealed record ServeArguments(
    string? ConfigFile = null,
    string? DataDirectory = null,
    string? Listen = null,
    string? OtlpGrpc = null,
    string? OtlpHttp = null,
    string? ReadyFile = null);
