using Microsoft.Extensions.Time.Testing;

namespace Vigil.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, a fake clock and a fixed environment.</summary>
internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static async Task<CliRun> RunAsync(
        string[] args,
        HttpMessageHandler? handler = null,
        IReadOnlyDictionary<string, string>? variables = null,
        TimeProvider? time = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var environment = new CliEnvironment(
            output,
            error,
            time ?? new FakeTimeProvider(Now),
            name => variables is not null && variables.TryGetValue(name, out var value) ? value : null,
            handler,
            HandleSignals: false);
        var code = await CliApp.RunAsync(args, environment, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}
