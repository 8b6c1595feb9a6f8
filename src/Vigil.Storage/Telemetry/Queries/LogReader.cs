using System.Buffers.Binary;
using System.Buffers.Text;
using Vigil.Core.Telemetry;
using Vigil.Storage.Telemetry.Blocks;

namespace Vigil.Storage.Telemetry.Queries;

/// <summary>Log queries over a <see cref="StoreView"/>: newest first across heads and blocks, paged by an opaque token.</summary>
internal static class LogReader
{
    /// <summary>The largest page a query returns, whatever its limit asks for.</summary>
    public const int MaxLimit = 10_000;

    public static LogPage Query(StoreView view, LogQuery query)
    {
        var limit = Math.Clamp(query.Limit, 1, MaxLimit);
        var filter = new LogFilter(query, PageToken.Decode(query.PageToken));
        var collector = new LogCollector(limit + 1);
        view.Active.Logs.Collect(filter, collector);
        view.Frozen?.Logs.Collect(filter, collector);

        using (var lease = BlockLease.Acquire(view.Blocks.OrderByDescending(b => b.Meta.MaxLogTime), b => b.Meta.LogCount > 0))
        {
            foreach (var block in lease.Blocks)
            {
                block.CollectLogs(filter, collector);
            }
        }

        var found = collector.ToNewestFirst();
        string? next = null;
        if (found.Count > limit)
        {
            found.RemoveRange(limit, found.Count - limit);
            next = PageToken.Encode(found[^1].Key);
        }

        return new LogPage([.. found.Select(l => l.Record)], next);
    }

    /// <summary>The position after the last record of a page: its time and sequence number, base64url-encoded.</summary>
    internal static class PageToken
    {
        private const byte Version = 1;
        private const int Length = 17;

        public static string Encode(LogKey key)
        {
            Span<byte> bytes = stackalloc byte[Length];
            bytes[0] = Version;
            BinaryPrimitives.WriteInt64LittleEndian(bytes[1..], key.Time);
            BinaryPrimitives.WriteInt64LittleEndian(bytes[9..], key.Seq);
            return Base64Url.EncodeToString(bytes);
        }

        /// <summary>The cursor of a token (<see cref="LogKey.Max"/> for none); throws <see cref="ArgumentException"/> for a malformed token.</summary>
        public static LogKey Decode(string? token)
        {
            if (string.IsNullOrEmpty(token))
            {
                return LogKey.Max;
            }

            Span<byte> bytes = stackalloc byte[Length + 3];
            bool valid;
            var written = 0;
            try
            {
                valid = token.Length <= 32 && Base64Url.TryDecodeFromChars(token, bytes, out written) && written == Length && bytes[0] == Version;
            }
            catch (FormatException)
            {
                valid = false;
            }

            if (!valid)
            {
                throw new ArgumentException($"invalid page token '{token}': pass back the token of the previous page unchanged", nameof(token));
            }

            return new LogKey(BinaryPrimitives.ReadInt64LittleEndian(bytes[1..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[9..]));
        }
    }
}
