using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Head;
using Vigil.Storage.Telemetry.Records;

namespace Vigil.Storage.Telemetry.Wal;

/// <summary>
/// The payload of a WAL record: one appended batch.
/// <code>
/// u8 type (1) | varint first log sequence
/// varint series definitions: (varint ref | varint label count | (string name | string value)*)*
/// varint samples: (varint ref | zig-zag varint timestamp delta | f64 value)*
/// varint resources: attributes* | varint logs: log* | varint spans: span*
/// </code>
/// Series are interned per segment: a series' labels are written in the first record of a segment that uses it, and
/// later samples carry only its reference (the head's series number), so a sample costs about 11 bytes instead of
/// its whole label set. Every segment is self-contained and can be replayed or deleted on its own.
/// </summary>
internal static class WalBatchCodec
{
    public const byte BatchRecordType = 1;

    /// <summary>
    /// Encodes the logs and spans of a batch. Runs on the appending thread, so the single commit loop only copies
    /// these bytes; the samples part needs the head's series numbers and is written by the loop itself.
    /// </summary>
    public static void WriteLogsAndSpans(TelemetryBatch batch, ByteWriter writer)
    {
        var table = new ResourceTable();
        foreach (var log in batch.Logs)
        {
            table.IndexOf(log.Resource);
        }

        foreach (var span in batch.Spans)
        {
            table.IndexOf(span.Resource);
        }

        writer.WriteVarUInt((ulong)table.Resources.Count);
        foreach (var resource in table.Resources)
        {
            TelemetryCodec.WriteResource(writer, resource);
        }

        writer.WriteVarUInt((ulong)batch.Logs.Count);
        foreach (var log in batch.Logs)
        {
            TelemetryCodec.WriteLog(writer, log, table.IndexOf(log.Resource));
        }

        writer.WriteVarUInt((ulong)batch.Spans.Count);
        foreach (var span in batch.Spans)
        {
            TelemetryCodec.WriteSpan(writer, span, table.IndexOf(span.Resource));
        }
    }

    /// <summary>
    /// Writes a record's payload. <paramref name="series"/> holds the resolved series of each sample (null for a
    /// sample refused by the series limit, which is left out). Series not yet defined in <paramref name="segment"/>
    /// are defined here and marked as written.
    /// </summary>
    public static void WritePayload(
        ByteWriter writer,
        long firstLogSeq,
        IReadOnlyList<SeriesSample> samples,
        ReadOnlySpan<MemSeries?> series,
        int segment,
        ReadOnlySpan<byte> logsAndSpans)
    {
        writer.WriteByte(BatchRecordType);
        writer.WriteVarUInt((ulong)firstLogSeq);

        var definitions = 0;
        var accepted = 0;
        foreach (var s in series)
        {
            if (s is null)
            {
                continue;
            }

            accepted++;
            if (s.WalSegment != segment && s.WalSegment != -segment - 2)
            {
                // Marked with the negated segment while this record is being written, so a series that appears
                // twice in the batch is defined once.
                s.WalSegment = -segment - 2;
                definitions++;
            }
        }

        writer.WriteVarUInt((ulong)definitions);
        if (definitions > 0)
        {
            foreach (var s in series)
            {
                if (s is not null && s.WalSegment == -segment - 2)
                {
                    s.WalSegment = segment;
                    writer.WriteVarUInt((ulong)s.Id);
                    var labels = s.Labels.Labels;
                    writer.WriteVarUInt((ulong)labels.Length);
                    foreach (var label in labels)
                    {
                        writer.WriteString(label.Name);
                        writer.WriteString(label.Value);
                    }
                }
            }
        }

        writer.WriteVarUInt((ulong)accepted);
        long previous = 0;
        for (var i = 0; i < series.Length; i++)
        {
            var s = series[i];
            if (s is null)
            {
                continue;
            }

            var sample = samples[i];
            writer.WriteVarUInt((ulong)s.Id);
            writer.WriteVarInt(sample.TimestampMs - previous);
            writer.WriteDouble(sample.Value);
            previous = sample.TimestampMs;
        }

        writer.WriteBytes(logsAndSpans);
    }
}

/// <summary>A batch read back from the WAL.</summary>
internal sealed record WalBatch(long FirstLogSeq, List<SeriesSample> Samples, List<LogRecord> Logs, List<SpanRecord> Spans);

/// <summary>Decodes WAL records, keeping the series definitions of the segment being replayed.</summary>
internal sealed class WalBatchDecoder
{
    private readonly Dictionary<ulong, LabelSet> _series = [];
    private int _segment = int.MinValue;

    public WalBatch Decode(int segment, ReadOnlySpan<byte> payload)
    {
        if (segment != _segment)
        {
            _series.Clear();
            _segment = segment;
        }

        var reader = new ByteReader(payload);
        var type = reader.ReadByte();
        if (type != WalBatchCodec.BatchRecordType)
        {
            throw new InvalidDataException($"unknown record type {type}");
        }

        var firstLogSeq = (long)reader.ReadVarUInt();
        var definitions = reader.ReadCount(2);
        for (var i = 0; i < definitions; i++)
        {
            var id = reader.ReadVarUInt();
            var count = reader.ReadCount(2);
            var labels = new Label[count];
            for (var j = 0; j < count; j++)
            {
                labels[j] = new Label(reader.ReadString(), reader.ReadString());
            }

            _series[id] = LabelSet.From(labels);
        }

        var sampleCount = reader.ReadCount(10);
        var samples = new List<SeriesSample>(sampleCount);
        long t = 0;
        for (var i = 0; i < sampleCount; i++)
        {
            var id = reader.ReadVarUInt();
            if (!_series.TryGetValue(id, out var labels))
            {
                throw new InvalidDataException($"sample {i} refers to series {id}, which this segment does not define");
            }

            t += reader.ReadVarInt();
            samples.Add(new SeriesSample(labels, t, reader.ReadDouble()));
        }

        var resourceCount = reader.ReadCount(1);
        var resources = new TelemetryResource[resourceCount];
        for (var i = 0; i < resourceCount; i++)
        {
            resources[i] = TelemetryCodec.ReadResource(ref reader);
        }

        var logCount = reader.ReadCount(8);
        var logs = new List<LogRecord>(logCount);
        for (var i = 0; i < logCount; i++)
        {
            logs.Add(TelemetryCodec.ReadLog(ref reader, resources));
        }

        var spanCount = reader.ReadCount(10);
        var spans = new List<SpanRecord>(spanCount);
        for (var i = 0; i < spanCount; i++)
        {
            spans.Add(TelemetryCodec.ReadSpan(ref reader, resources));
        }

        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"{reader.Remaining} unexpected bytes after the record");
        }

        return new WalBatch(firstLogSeq, samples, logs, spans);
    }
}
