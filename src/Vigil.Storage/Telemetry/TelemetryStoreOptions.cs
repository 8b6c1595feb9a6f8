namespace Vigil.Storage.Telemetry;

/// <summary>
/// Options of the embedded telemetry store. Every buffer and limit the store keeps is bounded by one of these.
/// <see cref="Validate"/> reports every invalid option at once.
/// </summary>
public sealed class TelemetryStoreOptions
{
    /// <summary>
    /// The directory of the store; the WAL goes to <c>wal/</c> and blocks to <c>blocks/</c> under it.
    /// Default <c>vigil-data/telemetry</c>, relative to the working directory (ignored by the repository's .gitignore).
    /// </summary>
    public string DataDirectory { get; set; } = Path.Combine("vigil-data", "telemetry");

    /// <summary>
    /// Blocks whose newest data is older than this are deleted. Default 15 days: Prometheus's default, and enough to
    /// compare a release with the one two weeks before.
    /// </summary>
    public TimeSpan RetentionAge { get; set; } = TimeSpan.FromDays(15);

    /// <summary>
    /// When blocks and WAL together exceed this many bytes, the oldest blocks are deleted first. 0 means unlimited.
    /// Default 10 GiB: a bound that fits a small VM's disk with room for the state store and logs of the host.
    /// </summary>
    public long RetentionBytes { get; set; } = 10L << 30;

    /// <summary>
    /// The most series the head holds. Samples of a new series beyond it are refused (and reported in
    /// <c>AppendResult</c>); series already in the head keep accepting samples. Default 500,000: a head series costs
    /// about 1 KiB (labels, postings, open chunk), so the default limit alone stays under half of the default
    /// <see cref="MaxHeadBytes"/>, leaving room for samples, logs and spans; that is several times what a single
    /// node serving a handful of services needs, and it stops a label-cardinality explosion before it exhausts memory.
    /// </summary>
    public int MaxSeries { get; set; } = 500_000;

    /// <summary>
    /// The bound of the write queue (bytes of batches accepted but not yet committed to the WAL). When it is full,
    /// <c>AppendAsync</c> throws <c>StoreOverloadedException</c> with a retry hint instead of queueing more.
    /// Default 64 MiB: about a second of writes at the target rates, enough to absorb an fsync stall, small enough
    /// that an overloaded disk turns into back-pressure instead of memory growth.
    /// </summary>
    public long MaxPendingWriteBytes { get; set; } = 64L << 20;

    /// <summary>
    /// How long the head collects data before it is written to a block (measured from its first write).
    /// Default 2 hours, as Prometheus: long enough for good chunk compression and few blocks, short enough that a
    /// restart replays little WAL.
    /// </summary>
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// The approximate memory of the head, in bytes, above which it is written to a block before
    /// <see cref="BlockDuration"/> has passed. While a block is being written the next head fills; if it reaches twice
    /// this (block writing fails or lags), appends are refused with <c>StoreOverloadedException</c> until it drains. The head's size is estimated object by object (strings, arrays, records), so it tracks managed
    /// memory. Default 512 MiB: at 100,000 logs/s logs reach it in about half a minute, blocks stay large enough to
    /// compress well, and the process stays within a few GiB on a small machine.
    /// </summary>
    public long MaxHeadBytes { get; set; } = 512L << 20;

    /// <summary>
    /// The size at which a WAL segment is closed and the next one started. Default 64 MiB: segments are deleted
    /// whole once their data is in a block, so smaller segments free disk sooner; larger ones mean fewer files.
    /// </summary>
    public long WalSegmentBytes { get; set; } = 64L << 20;

    /// <summary>
    /// The bound, in bytes, of the cache of block series indexes (label sets and chunk references of a block,
    /// loaded on demand). Default 256 MiB: holds a day of 2-hour blocks of 100,000 series, so queries over recent
    /// windows do not reload indexes, while memory does not grow with the number of blocks.
    /// </summary>
    public long BlockIndexCacheBytes { get; set; } = 256L << 20;

    /// <summary>
    /// How often the store checks the head's age and applies retention. Default 1 minute: the checks are cheap and
    /// a block is cut at most a minute after <see cref="BlockDuration"/>.
    /// </summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Every problem with these options, each naming the option; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            errors.Add($"{nameof(DataDirectory)} must be set");
        }

        if (RetentionAge <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(RetentionAge)} must be positive, got {RetentionAge}");
        }

        if (RetentionBytes < 0)
        {
            errors.Add($"{nameof(RetentionBytes)} must be 0 (unlimited) or positive, got {RetentionBytes}");
        }

        if (MaxSeries <= 0)
        {
            errors.Add($"{nameof(MaxSeries)} must be positive, got {MaxSeries}");
        }

        if (MaxPendingWriteBytes < 1 << 16)
        {
            errors.Add($"{nameof(MaxPendingWriteBytes)} must be at least 64 KiB, got {MaxPendingWriteBytes}");
        }

        if (BlockDuration < TimeSpan.FromMinutes(1))
        {
            errors.Add($"{nameof(BlockDuration)} must be at least 1 minute, got {BlockDuration}");
        }

        if (MaxHeadBytes < 1 << 20)
        {
            errors.Add($"{nameof(MaxHeadBytes)} must be at least 1 MiB, got {MaxHeadBytes}");
        }

        if (WalSegmentBytes < 1 << 16 || WalSegmentBytes > 1L << 30)
        {
            errors.Add($"{nameof(WalSegmentBytes)} must be between 64 KiB and 1 GiB, got {WalSegmentBytes}");
        }

        if (BlockIndexCacheBytes <= 0)
        {
            errors.Add($"{nameof(BlockIndexCacheBytes)} must be positive, got {BlockIndexCacheBytes}");
        }

        if (MaintenanceInterval <= TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaintenanceInterval)} must be positive, got {MaintenanceInterval}");
        }

        return errors;
    }
}
