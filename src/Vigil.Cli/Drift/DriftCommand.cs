using System.CommandLine;

namespace Vigil.Cli.Drift;

/// <summary><c>vigil drift snapshot|compare</c>: environment snapshots and the drift report between two of them.</summary>
internal static class DriftCommand
{
    /// <summary>The <c>drift</c> command with its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        var drift = new Command("drift", "Snapshot an environment (config, secrets as fingerprints, runtime, packages, schema) and compare two.");
        DriftSnapshotCommand.AddTo(drift, context);
        DriftCompareCommand.AddTo(drift, context);
        return drift;
    }
}
