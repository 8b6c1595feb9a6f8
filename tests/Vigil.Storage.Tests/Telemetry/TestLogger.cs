using Microsoft.Extensions.Logging;

namespace Vigil.Storage.Tests.Telemetry;

/// <summary>An <see cref="ILogger"/> that keeps every entry, to assert on what the store reported.</summary>
internal sealed class TestLogger : ILogger
{
    private readonly Lock _sync = new();
    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_sync)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_sync)
        {
            _entries.Add(new Entry(logLevel, eventId.Id, formatter(state, exception), exception));
        }
    }

    public sealed record Entry(LogLevel Level, int EventId, string Message, Exception? Exception);
}
