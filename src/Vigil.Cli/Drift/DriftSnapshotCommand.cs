using System.CommandLine;

namespace Vigil.Cli.Drift;

/// <summary><c>vigil drift snapshot</c> (lands with the drift-collect branch).</summary>
internal static class DriftSnapshotCommand
{
    /// <summary>Adds <c>snapshot</c> to <paramref name="drift"/>.</summary>
    public static void AddTo(Command drift, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(drift);
        ArgumentNullException.ThrowIfNull(context);
    }
}
