using System.CommandLine;

namespace Vigil.Cli.Releases;

/// <summary>
/// <c>vigil release verify|abort|override</c>: start or follow a release's verification, abort it, or override its
/// verdict. Added to the <c>release</c> command by <see cref="AddTo"/>.
/// </summary>
internal static class ReleaseVerifyCommand
{
    /// <summary>Adds the verification subcommands to <paramref name="release"/>.</summary>
    public static void AddTo(Command release, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(release);
        ArgumentNullException.ThrowIfNull(context);
    }
}
