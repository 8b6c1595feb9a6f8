using Microsoft.Extensions.Time.Testing;
using Vigil.Storage.Telemetry;

namespace Vigil.Storage.Tests.Telemetry;

/// <summary>
/// An <see cref="EmbeddedTelemetryStore"/> in a temporary directory with a fake clock and a capturing logger,
/// optionally with the WAL on <see cref="SimulatedWalStorage"/> so a test can cut the power.
/// </summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private StoreHarness(TelemetryStoreOptions options, SimulatedWalStorage? wal)
    {
        Options = options;
        Wal = wal;
        options.DataDirectory = _directory.Path;
    }

    public TelemetryStoreOptions Options { get; }

    public FakeTimeProvider Clock { get; } = TestTelemetry.Clock();

    public TestLogger Logger { get; private set; } = new();

    /// <summary>The simulated WAL file system, when the harness uses one.</summary>
    public SimulatedWalStorage? Wal { get; private set; }

    public EmbeddedTelemetryStore Store { get; private set; } = null!;

    public string BlocksDirectory => Path.Combine(_directory.Path, "blocks");

    public static async Task<StoreHarness> OpenAsync(Action<TelemetryStoreOptions>? configure = null, bool simulatedWal = false)
    {
        var options = new TelemetryStoreOptions();
        configure?.Invoke(options);
        var harness = new StoreHarness(options, simulatedWal ? new SimulatedWalStorage() : null);
        harness.Store = await harness.OpenStoreAsync();
        return harness;
    }

    /// <summary>Disposes the store (without flushing the head) and opens it again.</summary>
    public async Task ReopenAsync()
    {
        await Store.DisposeAsync();
        Logger = new TestLogger();
        Store = await OpenStoreAsync();
    }

    /// <summary>
    /// Cuts the power: the WAL keeps only what was synced plus <paramref name="keepUnsynced"/> of the rest, and a new
    /// store opens on what survived. The old store is then stopped: with its disk gone it can write nothing, and
    /// stopping it does no shutdown work (no flush), so this is what a restart after a power cut sees.
    /// </summary>
    public async Task CrashAndReopenAsync(Func<int, int>? keepUnsynced = null)
    {
        var survivor = Wal!.Crash(keepUnsynced ?? (_ => 0));
        await Store.DisposeAsync();
        Wal = survivor;
        Logger = new TestLogger();
        Store = await OpenStoreAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory.Dispose();
    }

    private Task<EmbeddedTelemetryStore> OpenStoreAsync() =>
        Wal is null
            ? EmbeddedTelemetryStore.OpenAsync(Options, Clock, Logger, CancellationToken.None)
            : EmbeddedTelemetryStore.OpenAsync(Options, Clock, Logger, Wal, CancellationToken.None);
}
