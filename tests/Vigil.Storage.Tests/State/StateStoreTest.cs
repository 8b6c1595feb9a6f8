using Microsoft.Extensions.Time.Testing;
using Vigil.Storage.State;

namespace Vigil.Storage.Tests.State;

/// <summary>
/// A test class whose every test gets a fresh SQLite state store in its own temporary folder, on a fake clock that
/// starts at <paramref name="start"/>; the store is closed and the folder removed after the test.
/// </summary>
/// <param name="start">The fake clock's first reading.</param>
public abstract class StateStoreTest(DateTimeOffset start) : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();

    /// <summary>The clock the store was opened with.</summary>
    protected FakeTimeProvider Time { get; } = new(start);

    /// <summary>The open state store.</summary>
    protected SqliteStateStore State { get; private set; } = null!;

    /// <summary>The store's data folder.</summary>
    protected string DataDirectory => _directory.Path;

    /// <summary>Opens the store; a test class that builds more on it overrides this and calls it first.</summary>
    public virtual async Task InitializeAsync() => State = await SqliteStateStore.OpenAsync(_directory.Path, Time, CancellationToken.None);

    /// <summary>Closes the store and opens it again on the same folder, as a restart would.</summary>
    protected async Task ReopenAsync()
    {
        await State.DisposeAsync();
        State = await SqliteStateStore.OpenAsync(_directory.Path, Time, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await State.DisposeAsync();
        _directory.Dispose();
    }
}
