using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Chunks;

namespace Vigil.Storage.Tests.Telemetry.Chunks;

public sealed class XorChunkTests
{
    [Fact]
    public void Decode_EncodedRegularSeries_ReturnsSamplesExactly()
    {
        var samples = Enumerable.Range(0, 120).Select(i => new Sample(1_700_000_000_000 + (i * 15_000L), i * 1.5)).ToArray();

        var chunk = XorChunk.Encode(samples);
        var decoded = new List<Sample>();
        XorChunk.Decode(chunk, long.MinValue, long.MaxValue, decoded);

        Assert.Equal(samples, decoded);
        Assert.True(chunk.Length < samples.Length * 3, $"a regular series should take under 3 bytes a sample, took {chunk.Length} for {samples.Length}");
    }

    [Fact]
    public void Decode_IrregularTimestampsAndSpecialValues_RoundTripsBitForBit()
    {
        const int seed = 20260101;
        var random = new Random(seed);
        var t = -5_000L;
        var special = new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, 0 };
        var samples = new List<Sample>();
        for (var i = 0; i < 500; i++)
        {
            // Gaps of every dod bucket, including one that needs the 64-bit escape.
            t += random.Next(4) switch { 0 => 1, 1 => random.Next(1, 9_000), 2 => random.Next(70_000, 600_000), _ => 10_000_000_000L };
            var value = i % 7 == 0 ? special[i / 7 % special.Length] : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-10, 10));
            samples.Add(new Sample(t, value));
        }

        var decoded = new List<Sample>();
        XorChunk.Decode(XorChunk.Encode(samples.ToArray()), long.MinValue, long.MaxValue, decoded);

        Assert.Equal(samples.Count, decoded.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.True(samples[i].TimestampMs == decoded[i].TimestampMs, $"seed {seed}: timestamp {i}");
            Assert.True(BitConverter.DoubleToInt64Bits(samples[i].Value) == BitConverter.DoubleToInt64Bits(decoded[i].Value), $"seed {seed}: value {i}");
        }
    }

    [Fact]
    public void Decode_WithWindow_ReturnsOnlySamplesInsideInclusive()
    {
        var samples = Enumerable.Range(0, 10).Select(i => new Sample(i * 10L, i)).ToArray();

        var decoded = new List<Sample>();
        XorChunk.Decode(XorChunk.Encode(samples), 20, 50, decoded);

        Assert.Equal([20L, 30, 40, 50], decoded.Select(s => s.TimestampMs));
    }

    [Fact]
    public void CopyTo_OpenAppender_MatchesEncodeOfTheSameSamples()
    {
        var appender = new XorAppender();
        var samples = Enumerable.Range(0, 37).Select(i => new Sample(i * 1000L, Math.Sqrt(i))).ToArray();
        foreach (var s in samples)
        {
            appender.Append(s.TimestampMs, s.Value);
        }

        Assert.Equal(XorChunk.Encode(samples), appender.ToArray());
    }
}
