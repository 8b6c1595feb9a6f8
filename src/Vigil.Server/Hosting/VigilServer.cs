namespace Vigil.Server.Hosting;

/// <summary>Runs the Vigil server until it is stopped (SIGTERM, Ctrl+C or the cancellation token).</summary>
public static class VigilServer
{
    /// <summary>Builds and runs the host; returns the process exit code (0 on a clean stop, 3 on invalid configuration).</summary>
    public static Task<int> RunAsync(ServeArguments arguments, CancellationToken cancellationToken)
    {
        // Placeholder until the host lands (same commit series); keeps the CLI compiling.
        _ = arguments;
        _ = cancellationToken;
        return Task.FromResult(0);
    }
}
