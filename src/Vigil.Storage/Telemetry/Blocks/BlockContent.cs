using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Chunks;
using Vigil.Storage.Telemetry.Head;
using Vigil.Storage.Telemetry.Queries;

namespace Vigil.Storage.Telemetry.Blocks;

/// <summary>What goes into one block: series with their chunks (sorted by labels), log records and spans.</summary>
internal sealed class BlockContent
{
    public required List<(LabelSet Labels, List<ChunkMeta> Chunks)> Series { get; init; }

    public required List<StoredLog> Logs { get; init; }

    public required List<SpanRecord> Spans { get; init; }

    /// <summary>The content of a frozen head. Sealed chunks are reused as they are.</summary>
    public static BlockContent FromHead(TelemetryHead head)
    {
        var series = new List<(LabelSet, List<ChunkMeta>)>(head.SeriesCount);
        foreach (var s in head.AllSeries())
        {
            var chunks = s.ChunksForBlock();
            if (chunks.Count > 0)
            {
                series.Add((s.Labels, chunks));
            }
        }

        series.Sort((a, b) => LabelSetComparer.Instance.Compare(a.Item1, b.Item1));
        return new BlockContent { Series = series, Logs = head.Logs.Snapshot(), Spans = head.Spans.Snapshot() };
    }
}
