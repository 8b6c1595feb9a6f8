using Microsoft.Win32.SafeHandles;

namespace Vigil.Storage.Telemetry.Wal;

/// <summary>WAL files in a directory of the local file system, written with positional I/O and synced with fsync.</summary>
internal sealed class FileWalStorage : IWalStorage
{
    private readonly string _directory;

    public FileWalStorage(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public IReadOnlyList<string> List() =>
        [.. Directory.EnumerateFiles(_directory).Select(Path.GetFileName).OfType<string>()];

    public IWalFile Create(string name)
    {
        var handle = File.OpenHandle(Path.Combine(_directory, name), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        // A new file's name is only durable once its directory is synced; without this a power cut can lose a
        // segment whose frames were fsynced and acknowledged.
        DirectorySync.Sync(_directory);
        return new WalFile(handle, 0);
    }

    public IWalFile Open(string name)
    {
        var handle = File.OpenHandle(Path.Combine(_directory, name), FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        return new WalFile(handle, RandomAccess.GetLength(handle));
    }

    public void Delete(string name) => File.Delete(Path.Combine(_directory, name));

    private sealed class WalFile(SafeFileHandle handle, long length) : IWalFile
    {
        private long _length = length;

        public long Length => _length;

        public void Append(ReadOnlySpan<byte> data)
        {
            RandomAccess.Write(handle, data, _length);
            _length += data.Length;
        }

        public void Sync() => RandomAccess.FlushToDisk(handle);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var n = RandomAccess.Read(handle, buffer[total..], offset + total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            return total;
        }

        public void Truncate(long length)
        {
            RandomAccess.SetLength(handle, length);
            RandomAccess.FlushToDisk(handle);
            _length = length;
        }

        public void Dispose() => handle.Dispose();
    }
}
