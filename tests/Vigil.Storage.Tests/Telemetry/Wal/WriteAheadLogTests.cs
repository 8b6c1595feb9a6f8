using Microsoft.Extensions.Logging;
using Vigil.Storage.Telemetry.Records;
using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.Tests.Telemetry.Wal;

public sealed class WriteAheadLogTests
{
    [Fact]
    public void Replay_AfterCrashTearingTheLastRecord_ReturnsSyncedRecordsAndLogsTheOffset()
    {
        var storage = new SimulatedWalStorage();
        var wal = WriteAheadLog.Start(storage, 1 << 20, [], 0);
        AppendRecords(wal, 0, 5);
        wal.Sync();
        var syncedLength = storage.DurableLength(WriteAheadLog.SegmentName(0));
        AppendRecords(wal, 5, 1);

        var survivor = storage.Crash(unsynced => unsynced - 3);
        var logger = new TestLogger();
        var replayed = Replay(survivor, -1, logger);

        Assert.Equal(Enumerable.Range(0, 5), replayed);
        var warning = Assert.Single(logger.Entries, e => e.EventId == 2100);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains($"byte offset {syncedLength}", warning.Message, StringComparison.Ordinal);
        Assert.Equal(syncedLength, survivor.DurableLength(WriteAheadLog.SegmentName(0)));
    }

    [Fact]
    public void Replay_RecordWithFlippedByte_StopsAtItWithChecksumReason()
    {
        var storage = new SimulatedWalStorage();
        var wal = WriteAheadLog.Start(storage, 1 << 20, [], 0);
        AppendRecords(wal, 0, 4);
        wal.Sync();
        var name = WriteAheadLog.SegmentName(0);
        var bytes = storage.Contents(name);
        bytes[^2] ^= 0x40;
        storage.Overwrite(name, bytes);

        var logger = new TestLogger();
        var replayed = Replay(storage, -1, logger);

        Assert.Equal(Enumerable.Range(0, 3), replayed);
        Assert.Contains(logger.Entries, e => e.EventId == 2100 && e.Message.Contains("checksum mismatch", StringComparison.Ordinal));
    }

    [Fact]
    public void Replay_CorruptRecordInEarlierSegment_KeepsLaterSegmentsAndLogsAnError()
    {
        var storage = new SimulatedWalStorage();
        var wal = WriteAheadLog.Start(storage, 1 << 20, [], 0);
        AppendRecords(wal, 0, 3);
        wal.Rotate();
        AppendRecords(wal, 3, 3);
        wal.Sync();
        var first = WriteAheadLog.SegmentName(0);
        var bytes = storage.Contents(first);
        storage.Overwrite(first, bytes[..^3]);

        var logger = new TestLogger();
        var replayed = Replay(storage, -1, logger);

        Assert.Equal([0, 1, 3, 4, 5], replayed);
        Assert.Contains(logger.Entries, e => e.EventId == 2101 && e.Level == LogLevel.Error);
    }

    [Fact]
    public void Replay_SegmentsCoveredByBlocks_AreDeletedNotReplayed()
    {
        var storage = new SimulatedWalStorage();
        var wal = WriteAheadLog.Start(storage, 1 << 20, [], 0);
        AppendRecords(wal, 0, 2);
        wal.Rotate();
        AppendRecords(wal, 2, 2);
        wal.Sync();

        var replayed = Replay(storage, 0, new TestLogger());

        Assert.Equal([2, 3], replayed);
        Assert.Equal([WriteAheadLog.SegmentName(1)], storage.List());
    }

    [Fact]
    public void DeleteThrough_ClosedSegments_RemovesThemAndTheirBytes()
    {
        var storage = new SimulatedWalStorage();
        var wal = WriteAheadLog.Start(storage, 1 << 20, [], 0);
        AppendRecords(wal, 0, 10);
        var closed = wal.Rotate();
        var before = wal.Bytes;

        wal.DeleteThrough(closed, new TestLogger());

        Assert.Equal([WriteAheadLog.SegmentName(1)], storage.List());
        Assert.True(wal.Bytes < before);
    }

    private static void AppendRecords(WriteAheadLog wal, int first, int count)
    {
        using var writer = new ByteWriter();
        for (var i = first; i < first + count; i++)
        {
            var start = WriteAheadLog.BeginRecord(writer);
            writer.WriteVarUInt((ulong)i);
            writer.WriteString(new string('x', 40));
            WriteAheadLog.EndRecord(writer, start);
        }

        wal.Append(writer.WrittenSpan);
    }

    private static List<int> Replay(SimulatedWalStorage storage, int coveredThrough, TestLogger logger)
    {
        var replayed = new List<int>();
        WriteAheadLog.Replay(storage, coveredThrough, (_, _, _, payload) =>
        {
            var reader = new ByteReader(payload);
            replayed.Add((int)reader.ReadVarUInt());
        }, logger);
        return replayed;
    }
}
