using System.CommandLine;

namespace Vigil.Cli.Bench;

/// <summary><c>vigil bench</c>: offline measurements of Vigil's engines on public datasets (no server needed).</summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context) =>
        new("bench", "Measure Vigil's engines offline on public datasets.")
        {
            LoghubBenchCommand.Create(context),
            LoghubBenchCommand.CreateStream(context),
        };
}
