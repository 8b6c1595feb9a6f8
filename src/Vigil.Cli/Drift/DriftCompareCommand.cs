using System.CommandLine;

namespace Vigil.Cli.Drift;

/// <summary><c>vigil drift compare</c> (lands with the drift-compare branch).</summary>
internal static class DriftCompareCommand
{
    /// <summary>Adds <c>compare</c> to <paramref name="drift"/>.</summary>
    public static void AddTo(Command drift, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(drift);
        ArgumentNullException.ThrowIfNull(context);
    }
}
