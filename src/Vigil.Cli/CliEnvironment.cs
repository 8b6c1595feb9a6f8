namespace Vigil.Cli;

/// <summary>Everything the CLI takes from its process, so that tests can run it in-process with their own.</summary>
/// <param name="Out">Where results go (standard output).</param>
/// <param name="Error">Where errors, warnings and hints go (standard error).</param>
/// <param name="Time">The clock, for <c>--since</c> and offline key timestamps.</param>
/// <param name="GetVariable">Reads an environment variable (<c>VIGIL_SERVER</c>, <c>VIGIL_API_KEY</c>).</param>
/// <param name="HttpHandler">The HTTP handler the client sends through; null uses the default.</param>
/// <param name="HandleSignals">True to cancel running commands on Ctrl+C and SIGTERM (false in tests).</param>
/// <param name="ListVariables">Every environment variable, for <c>vigil drift snapshot</c>; null records none.</param>
internal sealed record CliEnvironment(
    TextWriter Out,
    TextWriter Error,
    TimeProvider Time,
    Func<string, string?> GetVariable,
    HttpMessageHandler? HttpHandler = null,
    bool HandleSignals = false,
    Func<IReadOnlyDictionary<string, string>>? ListVariables = null)
{
    /// <summary>The real process: its clock, its environment variables, and signal handling.</summary>
    public static CliEnvironment FromProcess(TextWriter output, TextWriter error) =>
        new(output, error, TimeProvider.System, Environment.GetEnvironmentVariable, HttpHandler: null, HandleSignals: true, ProcessVariables);

    private static Dictionary<string, string> ProcessVariables() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal);
}
