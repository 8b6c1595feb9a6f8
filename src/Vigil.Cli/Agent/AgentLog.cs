using Vigil.Cli.Output;

namespace Vigil.Cli.Agent;

/// <summary>
/// The agent's log: one line per event on standard error, <c>TIME LEVEL location=NAME: message</c>, safe for a terminal.
/// Lines are written whole under a lock (results arrive on many threads). Secrets never reach it: messages carry check
/// names, counts and reasons the executor already masked.
/// </summary>
internal sealed class AgentLog(TextWriter writer, TimeProvider time, string location)
{
    private readonly object _gate = new();

    public void Info(string message) => Write("info", message);

    public void Warn(string message) => Write("warn", message);

    public void Error(string message) => Write("error", message);

    private void Write(string level, string message)
    {
        var line = $"{Display.Time(time.GetUtcNow())} {level,-5} location={Display.Safe(location)}: {Display.Safe(message)}";
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
