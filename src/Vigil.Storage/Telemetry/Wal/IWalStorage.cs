namespace Vigil.Storage.Telemetry.Wal;

/// <summary>
/// The files the write-ahead log lives in: a flat set of named segment files. Small on purpose, so a test can
/// stand in a file system that loses everything not synced and tears the last write, as a power cut does.
/// </summary>
internal interface IWalStorage
{
    /// <summary>The names of the existing files, in no particular order.</summary>
    IReadOnlyList<string> List();

    /// <summary>Creates a new empty file for appending; its name is durable (directory synced) when this returns.</summary>
    IWalFile Create(string name);

    /// <summary>Opens an existing file to read and truncate it.</summary>
    IWalFile Open(string name);

    /// <summary>Deletes a file; no error when it does not exist.</summary>
    void Delete(string name);
}

/// <summary>One WAL file. Appends go to the end; nothing is durable until <see cref="Sync"/> returns.</summary>
internal interface IWalFile : IDisposable
{
    /// <summary>The length in bytes, including appends not yet synced.</summary>
    long Length { get; }

    /// <summary>Appends bytes at the end.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Makes every append so far durable (fsync).</summary>
    void Sync();

    /// <summary>Reads up to <paramref name="buffer"/>'s length at <paramref name="offset"/>; returns the bytes read.</summary>
    int Read(long offset, Span<byte> buffer);

    /// <summary>Cuts the file to <paramref name="length"/> bytes and syncs.</summary>
    void Truncate(long length);
}
