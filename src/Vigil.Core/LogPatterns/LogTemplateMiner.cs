using System.Collections.Concurrent;
using System.Text;

namespace Vigil.Core.LogPatterns;

/// <summary>
/// Mines log templates online, per service: <see cref="Match"/> gives every log body a stable template id. Safe to
/// call from many threads; calls for one service are serialised, calls for different services run in parallel.
/// State (templates, ids, aliases) survives restarts through <see cref="Save"/> and <see cref="Load"/>.
/// </summary>
public sealed class LogTemplateMiner
{
    /// <summary>The service that absorbs services beyond <see cref="LogTemplateMinerOptions.MaxServices"/>.</summary>
    public const string OverflowService = "~overflow";

    private const uint Magic = 0x544C4756; // "VGLT" little-endian
    private const int FormatVersion = 1;

    private readonly LogTemplateMinerOptions _options;
    private readonly ConcurrentDictionary<string, ServiceTemplateMiner> _services = new(StringComparer.Ordinal);
    private readonly Lock _create = new();

    /// <summary>Creates a miner with <paramref name="options"/>, or the defaults.</summary>
    /// <exception cref="ArgumentException">The options are invalid (all problems listed).</exception>
    public LogTemplateMiner(LogTemplateMinerOptions? options = null)
    {
        _options = options ?? new LogTemplateMinerOptions();
        var errors = _options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
    }

    /// <summary>The services with templates.</summary>
    public IReadOnlyCollection<string> Services => _services.Keys.ToList();

    /// <summary>Gives <paramref name="body"/> its template id within <paramref name="service"/>, creating or widening a template.</summary>
    public TemplateMatch Match(string service, ReadOnlySpan<char> body)
    {
        var miner = For(service);
        lock (miner)
        {
            return miner.Match(body);
        }
    }

    /// <summary>The id an earlier id stands for now: itself, the template that absorbed it, or the overflow template.</summary>
    public TemplateId Resolve(string service, TemplateId id)
    {
        if (!_services.TryGetValue(service, out var miner))
        {
            return TemplateId.Overflow;
        }

        lock (miner)
        {
            return miner.Resolve(id);
        }
    }

    /// <summary>The template an id stands for now (following merges), or null when the id was never issued.</summary>
    public LogTemplateInfo? GetTemplate(string service, TemplateId id)
    {
        if (!_services.TryGetValue(service, out var miner))
        {
            return null;
        }

        lock (miner)
        {
            return miner.Get(id);
        }
    }

    /// <summary>The live templates of a service, by id.</summary>
    public IReadOnlyList<LogTemplateInfo> GetTemplates(string service)
    {
        if (!_services.TryGetValue(service, out var miner))
        {
            return [];
        }

        lock (miner)
        {
            return miner.Templates();
        }
    }

    /// <summary>Live templates of a service (at most <see cref="LogTemplateMinerOptions.MaxTemplatesPerService"/>).</summary>
    public int TemplateCount(string service)
    {
        if (!_services.TryGetValue(service, out var miner))
        {
            return 0;
        }

        lock (miner)
        {
            return miner.TemplateCount;
        }
    }

    internal int TokenTableRebuilds(string service)
    {
        var miner = _services[service];
        lock (miner)
        {
            return miner.TokenTableRebuilds;
        }
    }

    internal int TokenTableSize(string service)
    {
        var miner = _services[service];
        lock (miner)
        {
            return miner.TokenTableSize;
        }
    }

    /// <summary>
    /// Writes the state. Format (little-endian, strings as length-prefixed UTF-8): magic "VGLT", int32 version 1,
    /// int32 service count, then per service its name, next id, overflow count, templates oldest-seen first (id,
    /// count, tokens, aliases) and the alias map (absorbed id, surviving id) oldest first.
    /// </summary>
    public void Save(Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        var services = _services.ToArray();
        writer.Write(services.Length);
        foreach (var (name, miner) in services.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            writer.Write(name);
            lock (miner)
            {
                miner.Write(writer);
            }
        }
    }

    /// <summary>Reads state written by <see cref="Save"/> into a new miner.</summary>
    /// <exception cref="InvalidDataException">The stream is not a template state of a known version, or is damaged.</exception>
    public static LogTemplateMiner Load(Stream stream, LogTemplateMinerOptions? options = null)
    {
        var miner = new LogTemplateMiner(options);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (reader.ReadUInt32() != Magic)
            {
                throw new InvalidDataException("Not a Vigil log template state: the file does not start with VGLT.");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Log template state version {version} is not supported (this build reads {FormatVersion}).");
            }

            var count = reader.ReadInt32();
            if (count < 0)
            {
                throw new InvalidDataException($"Invalid service count {count}.");
            }

            for (var i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var service = new ServiceTemplateMiner(miner._options);
                service.Read(reader);
                // Services beyond MaxServices (when loading with a smaller cap) are read past and dropped.
                if (miner._services.Count < miner._options.MaxServices && !miner._services.TryAdd(name, service))
                {
                    throw new InvalidDataException($"Service '{name}' appears twice in the log template state.");
                }
            }
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Log template state is truncated.", e);
        }

        return miner;
    }

    private ServiceTemplateMiner For(string service)
    {
        if (_services.TryGetValue(service, out var miner))
        {
            return miner;
        }

        lock (_create)
        {
            if (_services.TryGetValue(service, out miner))
            {
                return miner;
            }

            if (_services.Count >= _options.MaxServices - 1 && service != OverflowService)
            {
                return For(OverflowService);
            }

            miner = new ServiceTemplateMiner(_options);
            _services[service] = miner;
            return miner;
        }
    }
}
