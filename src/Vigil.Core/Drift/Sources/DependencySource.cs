using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Resolved package versions from lock files under the root's search folders (and the same files, or the output of
/// <c>mvn dependency:list</c>, given as <c>--manifest</c>). Key <c>&lt;ecosystem&gt;:&lt;name&gt;</c>, value the version
/// (several versions of one package sorted and comma-separated), kind <c>package</c>:
/// <list type="bullet">
/// <item><c>nuget:Newtonsoft.Json</c> from <c>packages.lock.json</c> (resolved) and <c>*.deps.json</c> (libraries of type package);</item>
/// <item><c>npm:@scope/name</c> from <c>package-lock.json</c> (v2/v3 <c>packages</c>, v1 <c>dependencies</c>) and <c>yarn.lock</c> (v1 and Berry);</item>
/// <item><c>maven:group:artifact</c> from <c>gradle.lockfile</c> and <c>mvn dependency:list</c> output;</item>
/// <item><c>pypi:name</c> (PEP 503 normalised) from <c>requirements*.txt</c> (<c>==</c> pins only) and <c>poetry.lock</c>.</item>
/// </list>
/// </summary>
public sealed partial class DependencySource : ISnapshotSource
{
    /// <summary>Lock files larger than this are recorded as unreadable.</summary>
    public const long MaxFileBytes = 64 * 1024 * 1024;

    private readonly string? _service;

    /// <summary>Creates the source.</summary>
    /// <param name="service">The service (adds <c>etc/&lt;service&gt;</c> to the folders searched on a full file system).</param>
    public DependencySource(string? service = null) => _service = service;

    /// <inheritdoc />
    public string Name => DriftCategories.Dependency;

    /// <summary>True for the lock file names this source reads.</summary>
    public static bool IsLockFile(string name) =>
        name is "packages.lock.json" or "package-lock.json" or "yarn.lock" or "gradle.lockfile" or "poetry.lock" ||
        name.EndsWith(".deps.json", StringComparison.Ordinal) ||
        (name.StartsWith("requirements", StringComparison.Ordinal) && name.EndsWith(".txt", StringComparison.Ordinal));

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        var packages = new SortedDictionary<string, (SortedSet<string> Versions, string Source)>(StringComparer.Ordinal);
        foreach (var file in SourceFiles.Walk(context.Root, SourceFiles.SearchFolders(context.Root, _service), IsLockFile))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Collect(file, () => SourceFiles.ReadText(context.Root, file, MaxFileBytes), file[(file.LastIndexOf('/') + 1)..]);
        }

        foreach (var manifest in context.Manifests)
        {
            var name = Path.GetFileName(manifest);
            Collect("manifest:" + name, () => SourceFiles.Decode(SourceFiles.ReadHostFile(manifest, MaxFileBytes)), name, manifest: true);
        }

        foreach (var (key, (versions, source)) in packages)
        {
            items.Add(new SnapshotItem(DriftCategories.Dependency, DriftItemKinds.Package, key, string.Join(", ", versions), context.Secrets.Redact(source)));
        }

        return Task.CompletedTask;

        void Collect(string source, Func<string> read, string name, bool manifest = false)
        {
            try
            {
                if (manifest && !IsLockFile(name))
                {
                    // Any other manifest is the ManifestSource's unless it is Maven's dependency list.
                    var text = read();
                    if (MavenLine().IsMatch(text))
                    {
                        Add(ParseMavenList(text), source);
                    }

                    return;
                }

                Add(Parse(name, read()), source);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                items.Add(SourceFiles.Unreadable(DriftCategories.Dependency, source, context.Secrets.Redact(SourceFiles.Reason(e))));
            }
        }

        void Add(IEnumerable<(string Key, string Version)> found, string source)
        {
            foreach (var (key, version) in found)
            {
                if (!packages.TryGetValue(key, out var entry))
                {
                    packages[key] = entry = (new SortedSet<string>(VersionComparer.Instance), source);
                }

                entry.Versions.Add(version);
            }
        }
    }

    /// <summary>Parses one lock file by its name.</summary>
    /// <exception cref="SourceReadException">The file is malformed.</exception>
    public static IReadOnlyList<(string Key, string Version)> Parse(string name, string text)
    {
        try
        {
            return name switch
            {
                "packages.lock.json" => NuGetLock(text),
                "package-lock.json" => NpmLock(text),
                "yarn.lock" => YarnLock(text),
                "gradle.lockfile" => GradleLock(text),
                "poetry.lock" => PoetryLock(text),
                _ when name.EndsWith(".deps.json", StringComparison.Ordinal) => DepsJson(text),
                _ => Requirements(text),
            };
        }
        catch (JsonException e)
        {
            throw new SourceReadException(SourceFiles.Reason(e), e);
        }
        catch (InvalidOperationException e)
        {
            throw new SourceReadException("unexpected JSON shape: " + e.Message, e);
        }
    }

    /// <summary>Reads <c>mvn dependency:list</c> output: <c>[INFO]    group:artifact:type[:classifier]:version:scope</c>.</summary>
    public static IReadOnlyList<(string Key, string Version)> ParseMavenList(string text) =>
        MavenLine().Matches(text).Select(m => ("maven:" + m.Groups["group"].Value + ":" + m.Groups["artifact"].Value, m.Groups["version"].Value)).ToList();

    private static List<(string, string)> NuGetLock(string text)
    {
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
        var found = new List<(string, string)>();
        if (!document.RootElement.TryGetProperty("dependencies", out var frameworks))
        {
            throw new SourceReadException("packages.lock.json has no 'dependencies'");
        }

        foreach (var framework in frameworks.EnumerateObject())
        {
            foreach (var package in framework.Value.EnumerateObject())
            {
                var type = package.Value.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (type != "Project" && package.Value.TryGetProperty("resolved", out var resolved) && resolved.GetString() is { Length: > 0 } version)
                {
                    found.Add(("nuget:" + package.Name, version));
                }
            }
        }

        return found;
    }

    private static List<(string, string)> DepsJson(string text)
    {
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
        var found = new List<(string, string)>();
        if (!document.RootElement.TryGetProperty("libraries", out var libraries))
        {
            return found;
        }

        foreach (var library in libraries.EnumerateObject())
        {
            var slash = library.Name.LastIndexOf('/');
            if (slash > 0 && library.Value.TryGetProperty("type", out var type) && type.GetString() == "package")
            {
                found.Add(("nuget:" + library.Name[..slash], library.Name[(slash + 1)..]));
            }
        }

        return found;
    }

    private static List<(string, string)> NpmLock(string text)
    {
        using var document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
        var found = new List<(string, string)>();
        var root = document.RootElement;
        if (root.TryGetProperty("packages", out var packages))
        {
            foreach (var package in packages.EnumerateObject())
            {
                var marker = package.Name.LastIndexOf("node_modules/", StringComparison.Ordinal);
                if (marker < 0 || (package.Value.TryGetProperty("link", out var link) && link.ValueKind == JsonValueKind.True))
                {
                    continue;
                }

                var name = package.Value.TryGetProperty("name", out var n) && n.GetString() is { Length: > 0 } alias ? alias : package.Name[(marker + 13)..];
                if (package.Value.TryGetProperty("version", out var version) && version.GetString() is { Length: > 0 } v)
                {
                    found.Add(("npm:" + name, v));
                }
            }

            return found;
        }

        if (root.TryGetProperty("dependencies", out var dependencies))
        {
            Visit(dependencies, 0);
        }

        return found;

        void Visit(JsonElement level, int depth)
        {
            if (depth > 64)
            {
                throw new SourceReadException("package-lock.json nests deeper than 64 levels");
            }

            foreach (var dependency in level.EnumerateObject())
            {
                if (dependency.Value.TryGetProperty("version", out var version) && version.GetString() is { Length: > 0 } v)
                {
                    found.Add(("npm:" + dependency.Name, v));
                }

                if (dependency.Value.TryGetProperty("dependencies", out var nested))
                {
                    Visit(nested, depth + 1);
                }
            }
        }
    }

    private static List<(string, string)> YarnLock(string text)
    {
        var found = new List<(string, string)>();
        string? name = null;
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (!char.IsWhiteSpace(line[0]))
            {
                // "@babel/core@^7.0.0", "@babel/core@^7.1.0":   or   "lodash@npm:^4.17.21":
                var spec = line.TrimEnd(':').Split(',')[0].Trim().Trim('"');
                var at = spec.IndexOf('@', 1);
                name = spec.StartsWith("__metadata", StringComparison.Ordinal) || at <= 0 ? null : spec[..at];
                continue;
            }

            var trimmed = line.Trim();
            if (name is not null && trimmed.StartsWith("version", StringComparison.Ordinal) && line.Length - line.TrimStart().Length == 2)
            {
                var version = trimmed[7..].TrimStart(':', ' ').Trim().Trim('"');
                if (version.Length > 0)
                {
                    found.Add(("npm:" + name, version));
                }

                name = null;
            }
        }

        return found;
    }

    private static List<(string, string)> GradleLock(string text)
    {
        var found = new List<(string, string)>();
        var number = 0;
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#' || line.StartsWith("empty=", StringComparison.Ordinal))
            {
                continue;
            }

            var coordinates = line.Split('=')[0].Split(':');
            if (coordinates.Length < 3)
            {
                throw new SourceReadException(string.Create(CultureInfo.InvariantCulture, $"gradle.lockfile line {number} is not group:artifact:version=configurations"));
            }

            found.Add(("maven:" + coordinates[0] + ":" + coordinates[1], coordinates[2]));
        }

        return found;
    }

    private static List<(string, string)> Requirements(string text)
    {
        var found = new List<(string, string)>();
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Split('#')[0].Split(';')[0].Trim();
            if (PipPin().Match(line) is { Success: true } pin)
            {
                found.Add(("pypi:" + PyPiName(pin.Groups["name"].Value), pin.Groups["version"].Value));
            }
        }

        return found;
    }

    private static List<(string, string)> PoetryLock(string text)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in ConfigFormats.ParseToml(text))
        {
            if (PoetryKey().Match(key) is { Success: true } m)
            {
                (m.Groups["field"].Value == "name" ? names : versions)[m.Groups["index"].Value] = value;
            }
        }

        return names.Where(n => versions.ContainsKey(n.Key)).Select(n => ("pypi:" + PyPiName(n.Value), versions[n.Key])).ToList();
    }

    // PEP 503: lower case, runs of '-', '_' and '.' become one '-'.
    private static string PyPiName(string name) => PyPiSeparators().Replace(name.ToLowerInvariant(), "-");

    [GeneratedRegex(@"^\[INFO\]\s+(?<group>[\w.\-]+):(?<artifact>[\w.\-]+):(?<type>[\w.\-]+)(?::(?<classifier>[\w.\-]+))?:(?<version>[\w.\-+]+):(?<scope>compile|runtime|test|provided|system|import)\b", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex MavenLine();

    [GeneratedRegex(@"^(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*(?<version>[A-Za-z0-9.!+_-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex PipPin();

    [GeneratedRegex(@"^package\.(?<index>\d+)\.(?<field>name|version)$", RegexOptions.CultureInvariant)]
    private static partial Regex PoetryKey();

    [GeneratedRegex(@"[-_.]+", RegexOptions.CultureInvariant)]
    private static partial Regex PyPiSeparators();
}
