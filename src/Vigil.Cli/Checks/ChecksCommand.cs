using System.CommandLine;

namespace Vigil.Cli.Checks;

/// <summary><c>vigil checks list|run|results</c> (lands with the checks-cli branch).</summary>
internal static class ChecksCommand
{
    /// <summary>The <c>checks</c> command with its subcommands.</summary>
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Command("checks", "List synthetic checks, run one for debugging, or show its results.");
    }
}
