namespace Vigil.Cli;

/// <summary>The exit codes of <c>vigil</c>; scripts and CI gates rely on them, so they never change meaning.</summary>
internal static class ExitCodes
{
    /// <summary>Success, or a verdict, check or gate that passed.</summary>
    public const int Success = 0;

    /// <summary>A verdict, check or gate that failed.</summary>
    public const int Failed = 1;

    /// <summary>Inconclusive, marginal, or a <c>--wait</c> that timed out before a decision.</summary>
    public const int Inconclusive = 2;

    /// <summary>The command line was wrong: unknown command or option, missing or bad value.</summary>
    public const int Usage = 3;

    /// <summary>The server could not be reached.</summary>
    public const int Unreachable = 4;

    /// <summary>The server (or, offline, the state store) answered with an error.</summary>
    public const int ServerError = 5;
}
