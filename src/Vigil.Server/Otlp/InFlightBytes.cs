using Vigil.Core.Telemetry.Intake;

namespace Vigil.Server.Otlp;

/// <summary>
/// The decoded request bytes being processed at once, bounded by <see cref="IntakeOptions.MaxInFlightBytes"/>: a request
/// that would go over it is turned away with a retry delay instead of queueing in memory.
/// </summary>
internal sealed class InFlightBytes(IntakeOptions options)
{
    private long _current;

    /// <summary>The bytes held now.</summary>
    public long Current => Interlocked.Read(ref _current);

    /// <summary>Takes <paramref name="bytes"/> if they fit; the caller must <see cref="Release"/> them.</summary>
    public bool TryAcquire(long bytes)
    {
        var after = Interlocked.Add(ref _current, bytes);
        if (after <= options.MaxInFlightBytes || after == bytes)
        {
            return true;
        }

        Interlocked.Add(ref _current, -bytes);
        return false;
    }

    /// <summary>Gives back bytes taken with <see cref="TryAcquire"/>.</summary>
    public void Release(long bytes) => Interlocked.Add(ref _current, -bytes);
}
