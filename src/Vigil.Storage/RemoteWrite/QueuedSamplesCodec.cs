using System.IO.Compression;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Records;

namespace Vigil.Storage.RemoteWrite;

/// <summary>
/// The payload of one queue record: samples grouped by series (in order of first appearance), each series' samples
/// sorted by time, zlib-compressed (label sets repeat across a record's series, so they shrink several times).
/// </summary>
internal static class QueuedSamplesCodec
{
    // A decoded record can never claim more than this, whatever its bytes say: bounds memory on a corrupt record.
    private const int MaxDecodedBytes = 256 * 1024 * 1024;

    /// <summary>Groups, sorts and encodes <paramref name="samples"/>.</summary>
    public static byte[] Encode(IReadOnlyList<SeriesSample> samples)
    {
        var series = Group(samples);
        using var writer = new ByteWriter(16 * 1024);
        writer.WriteVarUInt((ulong)series.Count);
        foreach (var (labels, points) in series)
        {
            writer.WriteVarUInt((ulong)labels.Count);
            foreach (var label in labels.Labels)
            {
                writer.WriteString(label.Name);
                writer.WriteString(label.Value);
            }

            writer.WriteVarUInt((ulong)points.Count);
            var previous = 0L;
            foreach (var point in points)
            {
                writer.WriteVarInt(point.TimestampMs - previous);
                writer.WriteDouble(point.Value);
                previous = point.TimestampMs;
            }
        }

        using var compressed = new MemoryStream(writer.Length / 4 + 64);
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(writer.WrittenSpan);
        }

        return compressed.ToArray();
    }

    /// <summary>Decodes a payload; throws <see cref="InvalidDataException"/> when it is malformed.</summary>
    public static List<SeriesSamples> Decode(ReadOnlySpan<byte> payload)
    {
        byte[] raw;
        try
        {
            using var input = new MemoryStream(payload.ToArray());
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = zlib.Read(buffer)) > 0)
            {
                if (output.Length + n > MaxDecodedBytes)
                {
                    throw new InvalidDataException($"queue record inflates beyond {MaxDecodedBytes} bytes");
                }

                output.Write(buffer, 0, n);
            }

            raw = output.ToArray();
        }
        catch (IOException ex)
        {
            throw new InvalidDataException("queue record is not valid zlib: " + ex.Message, ex);
        }

        var reader = new ByteReader(raw);
        var seriesCount = reader.ReadCount(2);
        var result = new List<SeriesSamples>(seriesCount);
        for (var s = 0; s < seriesCount; s++)
        {
            var labelCount = reader.ReadCount(2);
            var labels = new Label[labelCount];
            for (var i = 0; i < labelCount; i++)
            {
                labels[i] = new Label(reader.ReadString(), reader.ReadString());
            }

            var pointCount = reader.ReadCount(9);
            var points = new Sample[pointCount];
            var previous = 0L;
            for (var i = 0; i < pointCount; i++)
            {
                previous += reader.ReadVarInt();
                points[i] = new Sample(previous, reader.ReadDouble());
            }

            result.Add(new SeriesSamples(LabelSet.From(labels), points));
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"queue record has {reader.Remaining} bytes after its last series");
        }

        return result;
    }

    /// <summary>Samples grouped by series in order of first appearance, each series sorted by time (stable).</summary>
    internal static List<(LabelSet Labels, List<Sample> Points)> Group(IReadOnlyList<SeriesSample> samples)
    {
        var index = new Dictionary<LabelSet, int>();
        var series = new List<(LabelSet Labels, List<Sample> Points)>();
        foreach (var sample in samples)
        {
            if (!index.TryGetValue(sample.Labels, out var i))
            {
                i = series.Count;
                index[sample.Labels] = i;
                series.Add((sample.Labels, []));
            }

            series[i].Points.Add(new Sample(sample.TimestampMs, sample.Value));
        }

        foreach (var (_, points) in series)
        {
            SortStable(points);
        }

        return series;
    }

    /// <summary>Sorts by time, keeping the order of equal timestamps (List.Sort is not stable).</summary>
    internal static void SortStable(List<Sample> points)
    {
        for (var i = 1; i < points.Count; i++)
        {
            if (points[i].TimestampMs < points[i - 1].TimestampMs)
            {
                var sorted = points.Select((p, n) => (p, n)).OrderBy(x => x.p.TimestampMs).ThenBy(x => x.n).Select(x => x.p).ToList();
                points.Clear();
                points.AddRange(sorted);
                return;
            }
        }
    }
}
