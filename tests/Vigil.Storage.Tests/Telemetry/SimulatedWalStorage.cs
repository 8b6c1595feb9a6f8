using Vigil.Storage.Telemetry.Wal;

namespace Vigil.Storage.Tests.Telemetry;

/// <summary>
/// An in-memory WAL file system that simulates a power cut: <see cref="Crash"/> returns what a disk would hold
/// afterwards — every file cut to the length it had at its last sync, plus a torn prefix of the bytes written after
/// it — and turns this instance dead so the old store can write nothing more. Syncs can be held to freeze the
/// commit loop inside an fsync, and deletes can be made to fail.
/// </summary>
internal sealed class SimulatedWalStorage : IWalStorage
{
    private readonly Lock _sync = new();
    private readonly Dictionary<string, SimulatedFile> _files = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _syncEntered = new(0, int.MaxValue);
    private ManualResetEventSlim? _syncGate;
    private bool _dead;
    private int _syncCount;

    /// <summary>Completed syncs of any file.</summary>
    public int SyncCount => Volatile.Read(ref _syncCount);

    /// <summary>When true, <see cref="Delete"/> throws, as a failing disk would.</summary>
    public bool FailDeletes { get; set; }

    public IReadOnlyList<string> List()
    {
        lock (_sync)
        {
            return [.. _files.Keys];
        }
    }

    public IWalFile Create(string name)
    {
        lock (_sync)
        {
            ThrowIfDead();
            if (_files.ContainsKey(name))
            {
                throw new IOException($"{name} already exists");
            }

            var file = new SimulatedFile(this);
            _files[name] = file;
            return new Handle(this, file);
        }
    }

    public IWalFile Open(string name)
    {
        lock (_sync)
        {
            ThrowIfDead();
            return _files.TryGetValue(name, out var file) ? new Handle(this, file) : throw new FileNotFoundException(name);
        }
    }

    public void Delete(string name)
    {
        lock (_sync)
        {
            ThrowIfDead();
            if (FailDeletes)
            {
                throw new IOException($"simulated failure deleting {name}");
            }

            _files.Remove(name);
        }
    }

    /// <summary>The synced (durable) length of a file.</summary>
    public long DurableLength(string name)
    {
        lock (_sync)
        {
            return _files[name].Durable;
        }
    }

    /// <summary>The bytes of a file, synced or not.</summary>
    public byte[] Contents(string name)
    {
        lock (_sync)
        {
            return [.. _files[name].Data];
        }
    }

    /// <summary>Replaces a file's bytes (to corrupt it on purpose); they count as synced.</summary>
    public void Overwrite(string name, byte[] contents)
    {
        lock (_sync)
        {
            var file = _files[name];
            file.Data.Clear();
            file.Data.AddRange(contents);
            file.Durable = contents.Length;
        }
    }

    /// <summary>From now on every sync blocks until <see cref="ReleaseSyncs"/>; <see cref="WaitForSyncAsync"/> tells when one is blocked.</summary>
    public void HoldSyncs()
    {
        lock (_sync)
        {
            _syncGate = new ManualResetEventSlim(false);
        }
    }

    public void ReleaseSyncs()
    {
        ManualResetEventSlim? gate;
        lock (_sync)
        {
            gate = _syncGate;
            _syncGate = null;
        }

        gate?.Set();
    }

    /// <summary>Waits until a sync has entered and is blocked by <see cref="HoldSyncs"/>.</summary>
    public async Task WaitForSyncAsync()
    {
        if (!await _syncEntered.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("no sync reached the held gate within 30 s");
        }
    }

    /// <summary>
    /// Simulates a power cut. Each file keeps its synced bytes plus <paramref name="keepUnsynced"/> (given the count of
    /// unsynced bytes, how many of them to keep: a torn write). This instance becomes dead: its files refuse writes.
    /// </summary>
    public SimulatedWalStorage Crash(Func<int, int> keepUnsynced)
    {
        lock (_sync)
        {
            _dead = true;
            var survivor = new SimulatedWalStorage();
            foreach (var (name, file) in _files)
            {
                var unsynced = file.Data.Count - (int)file.Durable;
                var keep = unsynced > 0 ? Math.Clamp(keepUnsynced(unsynced), 0, unsynced) : 0;
                var copy = new SimulatedFile(survivor);
                copy.Data.AddRange(file.Data.Take((int)file.Durable + keep));
                copy.Durable = copy.Data.Count;
                survivor._files[name] = copy;
            }

            _syncGate?.Set();
            return survivor;
        }
    }

    private void ThrowIfDead()
    {
        if (_dead)
        {
            throw new IOException("simulated power cut: the disk is gone");
        }
    }

    private sealed class SimulatedFile(SimulatedWalStorage owner)
    {
        public SimulatedWalStorage Owner { get; } = owner;

        public List<byte> Data { get; } = [];

        public long Durable { get; set; }
    }

    private sealed class Handle(SimulatedWalStorage storage, SimulatedFile file) : IWalFile
    {
        public long Length
        {
            get
            {
                lock (storage._sync)
                {
                    return file.Data.Count;
                }
            }
        }

        public void Append(ReadOnlySpan<byte> data)
        {
            lock (storage._sync)
            {
                storage.ThrowIfDead();
                foreach (var b in data)
                {
                    file.Data.Add(b);
                }
            }
        }

        public void Sync()
        {
            ManualResetEventSlim? gate;
            lock (storage._sync)
            {
                storage.ThrowIfDead();
                gate = storage._syncGate;
            }

            if (gate is not null)
            {
                storage._syncEntered.Release();
                gate.Wait();
            }

            lock (storage._sync)
            {
                storage.ThrowIfDead();
                file.Durable = file.Data.Count;
                storage._syncCount++;
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (storage._sync)
            {
                var n = (int)Math.Max(0, Math.Min(buffer.Length, file.Data.Count - offset));
                for (var i = 0; i < n; i++)
                {
                    buffer[i] = file.Data[(int)offset + i];
                }

                return n;
            }
        }

        public void Truncate(long length)
        {
            lock (storage._sync)
            {
                storage.ThrowIfDead();
                file.Data.RemoveRange((int)length, file.Data.Count - (int)length);
                file.Durable = Math.Min(file.Durable, length);
            }
        }

        public void Dispose()
        {
        }
    }
}
