namespace Vigil.Sample;

/// <summary>What one /checkout request does: its number (1-based), how long it takes and whether it fails.</summary>
internal readonly record struct CheckoutOutcome(long Number, TimeSpan Delay, bool Fails);

/// <summary>
/// The deterministic knobs of /checkout. Request n (counted from 1 in arrival order) fails when
/// <c>n % failEvery == 0</c> and waits <c>base x factor + jitter</c>, where the jitter is a uniform draw in
/// <c>[0, jitterMs)</c> computed from (seed, n) alone, so the same seed gives the same latencies however requests interleave.
/// </summary>
internal sealed class CheckoutBehaviour(long failEvery, double latencyMs, double latencyFactor, double jitterMs, long seed)
{
    private long _requests;

    /// <summary>The next request's outcome.</summary>
    public CheckoutOutcome Next()
    {
        var number = Interlocked.Increment(ref _requests);
        var fails = failEvery > 0 && number % failEvery == 0;
        var milliseconds = (latencyMs * latencyFactor) + (jitterMs > 0 ? jitterMs * UnitInterval(seed, number) : 0);
        return new CheckoutOutcome(number, TimeSpan.FromMilliseconds(milliseconds), fails);
    }

    /// <summary>A uniform number in [0, 1) from (seed, n): SplitMix64's finaliser over the pair, top 53 bits.</summary>
    internal static double UnitInterval(long seed, long number)
    {
        unchecked
        {
            var z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)number;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (z >> 11) * (1.0 / (1UL << 53));
        }
    }
}
