using System.CommandLine;

namespace Vigil.Cli.Agent;

/// <summary><c>vigil agent --server URL --location NAME</c> (lands with the checks-cli branch).</summary>
internal static class AgentCommand
{
    /// <summary>The <c>agent</c> command.</summary>
    public static Command Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Command("agent", "Run the synthetic checks assigned to one location and report their results to a Vigil server.");
    }
}
