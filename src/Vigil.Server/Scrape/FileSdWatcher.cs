using System.Text.Json;
using Vigil.Core.Scrape;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Scrape;

/// <summary>
/// One <c>file_sd_configs</c> entry: finds the files its globs match, reads their target groups (JSON or YAML, as
/// Prometheus), watches their folders and calls back on any change. A file that fails to parse keeps the groups it
/// last had, as Prometheus does, and the error is reported. Wildcards are supported in the file name only.
/// </summary>
internal sealed partial class FileSdWatcher : IDisposable
{
    /// <summary>Bound on one file_sd file, so a runaway file cannot exhaust memory: 16 MiB holds ~100,000 targets.</summary>
    public const long MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>The label naming the file a target came from.</summary>
    public const string FilePathLabel = "__meta_filepath";

    private readonly FileSdConfig _config;
    private readonly ILogger _log;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Dictionary<string, IReadOnlyList<TargetGroup>> _lastGood = new(StringComparer.Ordinal);

    public FileSdWatcher(FileSdConfig config, ILogger log, Action changed)
    {
        _config = config;
        _log = log;
        foreach (var pattern in config.Files)
        {
            var directory = Path.GetDirectoryName(pattern);
            if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
            {
                continue;
            }

            try
            {
                var watcher = new FileSystemWatcher(directory, Path.GetFileName(pattern))
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += (_, _) => changed();
                watcher.Created += (_, _) => changed();
                watcher.Deleted += (_, _) => changed();
                watcher.Renamed += (_, _) => changed();
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
            {
                // The periodic refresh still picks changes up.
                LogWatchFailed(_log, directory, ex.Message);
            }
        }
    }

    /// <summary>How often files are re-read even without a change notification.</summary>
    public TimeSpan RefreshInterval => _config.RefreshInterval;

    /// <summary>True when a pattern names a .json, .yml or .yaml file, as Prometheus requires.</summary>
    public static bool HasValidExtension(string pattern) =>
        pattern.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ||
        pattern.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
        pattern.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads every matching file now and returns all their groups.</summary>
    public IReadOnlyList<TargetGroup> Refresh()
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pattern in _config.Files)
        {
            var directory = Path.GetDirectoryName(pattern);
            if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
            {
                continue;
            }

            IEnumerable<string> files;
            try
            {
                files = Directory.EnumerateFiles(directory, Path.GetFileName(pattern)).Where(HasValidExtension).Order(StringComparer.Ordinal).ToList();
            }
            catch (IOException ex)
            {
                LogReadFailed(_log, pattern, ex.Message);
                continue;
            }

            foreach (var file in files)
            {
                present.Add(file);
                var groups = ReadFile(file, out var error);
                if (groups is not null)
                {
                    _lastGood[file] = groups;
                }
                else
                {
                    LogReadFailed(_log, file, error ?? "unknown error");
                }
            }
        }

        foreach (var gone in _lastGood.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _lastGood.Remove(gone);
        }

        return _lastGood.OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value).ToList();
    }

    /// <summary>Reads one file's groups, or null with a reason (<c>file:line:col: reason</c> where known).</summary>
    public static IReadOnlyList<TargetGroup>? ReadFile(string file, out string? error)
    {
        error = null;
        string text;
        try
        {
            var info = new FileInfo(file);
            if (info.Length > MaxFileBytes)
            {
                error = $"{file}: larger than {MaxFileBytes} bytes";
                return null;
            }

            text = File.ReadAllText(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"{file}: cannot read: {ex.Message}";
            return null;
        }

        return file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ParseJson(file, text, out error) : ParseYaml(file, text, out error);
    }

    /// <summary>Parses a JSON file: an array of <c>{"targets": [...], "labels": {...}}</c>.</summary>
    public static IReadOnlyList<TargetGroup>? ParseJson(string file, string text, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                error = $"{file}:1:1: expected a JSON array of target groups";
                return null;
            }

            var groups = new List<TargetGroup>();
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var where = $"{file}: group {index}";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    error = $"{where}: expected an object";
                    return null;
                }

                var targets = new List<string>();
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    switch (property.Name)
                    {
                        case "targets" when property.Value.ValueKind == JsonValueKind.Array:
                            foreach (var target in property.Value.EnumerateArray())
                            {
                                if (target.ValueKind != JsonValueKind.String)
                                {
                                    error = $"{where}: targets must be strings";
                                    return null;
                                }

                                targets.Add(target.GetString()!);
                            }

                            break;
                        case "labels" when property.Value.ValueKind is JsonValueKind.Object:
                            foreach (var label in property.Value.EnumerateObject())
                            {
                                if (label.Value.ValueKind != JsonValueKind.String)
                                {
                                    error = $"{where}: label \"{label.Name}\" must be a string";
                                    return null;
                                }

                                labels[label.Name] = label.Value.GetString()!;
                            }

                            break;
                        case "labels" when property.Value.ValueKind is JsonValueKind.Null:
                            break;
                        default:
                            error = $"{where}: unexpected field \"{property.Name}\" (expected targets and labels)";
                            return null;
                    }
                }

                if (Validate(where, targets, labels, out error) is false)
                {
                    return null;
                }

                labels[FilePathLabel] = file;
                groups.Add(new TargetGroup(targets, labels, $"{file}:{index}"));
                index++;
            }

            return groups;
        }
        catch (JsonException ex)
        {
            error = $"{file}:{(ex.LineNumber ?? 0) + 1}:{(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Parses a YAML file: a list of <c>targets</c>/<c>labels</c> mappings.</summary>
    public static IReadOnlyList<TargetGroup>? ParseYaml(string file, string text, out string? error)
    {
        error = null;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            {
                return [];
            }

            if (stream.Documents[0].RootNode is not YamlSequenceNode sequence)
            {
                var start = stream.Documents[0].RootNode.Start;
                error = $"{file}:{start.Line}:{start.Column}: expected a list of target groups";
                return null;
            }

            var groups = new List<TargetGroup>();
            for (var index = 0; index < sequence.Children.Count; index++)
            {
                var node = sequence.Children[index];
                var where = $"{file}:{node.Start.Line}:{node.Start.Column}";
                if (node is not YamlMappingNode mapping)
                {
                    error = $"{where}: expected a mapping with targets and labels";
                    return null;
                }

                var targets = new List<string>();
                var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (keyNode, value) in mapping.Children)
                {
                    var key = (keyNode as YamlScalarNode)?.Value;
                    var at = $"{file}:{keyNode.Start.Line}:{keyNode.Start.Column}";
                    if (key == "targets" && value is YamlSequenceNode list && list.Children.All(c => c is YamlScalarNode))
                    {
                        targets.AddRange(list.Children.Select(c => ((YamlScalarNode)c).Value ?? string.Empty));
                    }
                    else if (key == "labels" && value is YamlMappingNode map && map.Children.All(c => c.Key is YamlScalarNode && c.Value is YamlScalarNode))
                    {
                        foreach (var (k, v) in map.Children)
                        {
                            labels[((YamlScalarNode)k).Value ?? string.Empty] = ((YamlScalarNode)v).Value ?? string.Empty;
                        }
                    }
                    else if (key == "labels" && value is YamlScalarNode { Value: null or "" })
                    {
                        // An empty labels field is allowed.
                    }
                    else
                    {
                        error = key is "targets" or "labels"
                            ? $"{at}: {key} must be a list of strings (targets) or a mapping of strings (labels)"
                            : $"{at}: unexpected field \"{key}\" (expected targets and labels)";
                        return null;
                    }
                }

                if (!Validate(where, targets, labels, out error))
                {
                    return null;
                }

                labels[FilePathLabel] = file;
                groups.Add(new TargetGroup(targets, labels, $"{file}:{index}"));
            }

            return groups;
        }
        catch (YamlException ex)
        {
            error = $"{file}:{ex.Start.Line}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}";
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    private static bool Validate(string where, List<string> targets, Dictionary<string, string> labels, out string? error)
    {
        error = null;
        foreach (var target in targets)
        {
            if (!ScrapeConfigReader.IsValidAddress(target, out var reason))
            {
                error = $"{where}: {reason}";
                return false;
            }
        }

        foreach (var name in labels.Keys)
        {
            if (!RelabelConfig.IsValidLabelName(name))
            {
                error = $"{where}: \"{name}\" is not a valid label name";
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Warning, Message = "file_sd: cannot watch {Directory}: {Reason}; relying on the refresh interval")]
    private static partial void LogWatchFailed(ILogger logger, string directory, string reason);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "file_sd: {Source}: {Reason}; keeping its previous targets")]
    private static partial void LogReadFailed(ILogger logger, string source, string reason);
}
