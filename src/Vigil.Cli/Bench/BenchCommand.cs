using System.CommandLine;

namespace Vigil.Cli.Bench;

/// <summary><c>vigil bench &lt;name&gt;</c>: external benchmarks run locally against Vigil's engines (no server needed).</summary>
internal static class BenchCommand
{
    public static Command Create(CliContext context) =>
        new("bench", "Run Vigil's engines on public labelled benchmarks and score them.")
        {
            NabBenchCommand.Create(context),
            LoghubBenchCommand.Create(context),
            LoghubBenchCommand.CreateStream(context),
            JudgeBenchCommand.Create(context),
            DriftBenchCommand.Create(context),
            CheckBenchCommand.Create(context),
            UiBenchCommand.Create(context),
        };
}
