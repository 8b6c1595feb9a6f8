using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Drift.Sources;

/// <summary>
/// Configuration files under the root (<see cref="SourceFiles.SearchFolders"/>): <c>appsettings*.json</c>,
/// <c>application*.yml|yaml|properties</c>, other <c>*.properties</c>, <c>.env</c>, <c>*.ini</c>, <c>*.toml</c>, flattened
/// by <see cref="ConfigFormats"/> with overlays resolved as the runtime would:
/// <list type="bullet">
/// <item><c>appsettings.json</c> then <c>appsettings.{Env}.json</c>, Env from <c>ASPNETCORE_ENVIRONMENT</c>, else
/// <c>DOTNET_ENVIRONMENT</c>, else the snapshot's environment name (also trying its usual long or short form:
/// prod/Production, dev/Development, stage/Staging, test/Testing); other <c>appsettings.X.json</c> are not loaded;</item>
/// <item><c>application.yml</c> (documents activated by <c>spring.config.activate.on-profile</c> or <c>spring.profiles</c>
/// only for active profiles) then <c>application-{profile}.yml</c> for each profile of <c>SPRING_PROFILES_ACTIVE</c>
/// (comma-separated, later wins), else the environment name as above; the same for <c>.yaml</c> and <c>.properties</c>.</item>
/// </list>
/// An item's key is <c>&lt;base file path relative to the root&gt;:&lt;key path&gt;</c>, such as
/// <c>app/appsettings.json:ConnectionStrings:Orders</c> or <c>app/application.yml:spring.datasource.url</c>, recorded once
/// with the effective value; its source is the file that won. Overlay keys match case-insensitively, as both runtimes do.
/// </summary>
public sealed partial class ConfigFileSource : ISnapshotSource
{
    /// <summary>Files larger than this are recorded as unreadable rather than read.</summary>
    public const long MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>The most configuration files one snapshot reads.</summary>
    public const int MaxFiles = 2_000;

    private static readonly string[][] EnvironmentAliases =
    [
        ["prod", "production", "prd", "live"],
        ["dev", "development", "local"],
        ["stage", "staging", "stg", "preprod"],
        ["test", "testing", "qa"],
        ["uat", "acceptance"],
    ];

    private readonly string? _service;

    /// <summary>Creates the source.</summary>
    /// <param name="service">The service (adds <c>etc/&lt;service&gt;</c> to the folders searched on a full file system).</param>
    public ConfigFileSource(string? service = null) => _service = service;

    /// <inheritdoc />
    public string Name => DriftCategories.Config;

    /// <summary>True for the file names this source reads.</summary>
    public static bool IsConfigFile(string name) =>
        AppSettings().IsMatch(name) || Spring().IsMatch(name) || name == ".env" ||
        name.EndsWith(".properties", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".ini", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".toml", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        var files = SourceFiles.Walk(context.Root, SourceFiles.SearchFolders(context.Root, _service), IsConfigFile, MaxFiles);
        var groups = new SortedDictionary<string, Group>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var (basePath, overlay, family) = Classify(file);
            if (!groups.TryGetValue(basePath, out var group))
            {
                groups[basePath] = group = new Group(family);
            }

            if (overlay is null)
            {
                group.BaseFile = file;
            }
            else
            {
                group.Overlays[overlay] = file;
            }
        }

        var dotnetEnvironments = Candidates(Variable(context, "ASPNETCORE_ENVIRONMENT") ?? Variable(context, "DOTNET_ENVIRONMENT"), context.EnvironmentName);
        var springVariableSet = Variable(context, "SPRING_PROFILES_ACTIVE") is not null;
        var springProfiles = Variable(context, "SPRING_PROFILES_ACTIVE") is { } active
            ? active.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => new[] { p }).ToList()
            : [Candidates(null, context.EnvironmentName)];

        foreach (var (basePath, group) in groups)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layers = new List<string>();
            if (group.BaseFile is not null)
            {
                layers.Add(group.BaseFile);
            }

            var activeProfiles = new List<string>();
            if (group.Family == Family.AppSettings)
            {
                if (Pick(group, dotnetEnvironments) is { } overlay)
                {
                    layers.Add(group.Overlays[overlay]);
                }
            }
            else if (group.Family == Family.Spring)
            {
                var profiles = springProfiles;
                if (!springVariableSet && group.BaseFile is not null && ActiveProfilesIn(context.Root, group.BaseFile) is { Count: > 0 } fromFile)
                {
                    // Without SPRING_PROFILES_ACTIVE, Spring takes spring.profiles.active from the base file itself.
                    profiles = fromFile.Select(p => new[] { p }).ToList();
                }

                foreach (var profile in profiles)
                {
                    if (Pick(group, profile) is { } overlay)
                    {
                        layers.Add(group.Overlays[overlay]);
                        activeProfiles.Add(overlay);
                    }
                    else
                    {
                        activeProfiles.Add(profile[0]);
                    }
                }
            }

            var comparer = group.Family == Family.Standalone ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;
            var effective = new Dictionary<string, (string Key, string Value, string Source)>(comparer);
            foreach (var layer in layers)
            {
                List<KeyValuePair<string, string>> pairs;
                try
                {
                    pairs = Read(context.Root, layer, activeProfiles);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    items.Add(SourceFiles.Unreadable(DriftCategories.Config, layer, context.Secrets.Redact(SourceFiles.Reason(e))));
                    continue;
                }

                foreach (var (key, value) in pairs)
                {
                    var existing = effective.TryGetValue(key, out var found) ? found.Key : key;
                    effective[key] = (existing, value, layer);
                }
            }

            var redactedSources = layers.ToDictionary(l => l, context.Secrets.Redact, StringComparer.Ordinal);
            foreach (var (key, value, source) in effective.Values)
            {
                items.Add(Item(context.Secrets, DriftCategories.Config, DriftItemKinds.ConfigKey, basePath + ":" + key, key, value, redactedSources[source]));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// An item whose value is reduced to a fingerprint when <paramref name="name"/> or the value says secret;
    /// <paramref name="redactedSource"/> must already be redacted.
    /// </summary>
    internal static SnapshotItem Item(ISecretRedactor secrets, string category, string kind, string key, string name, string value, string redactedSource) =>
        secrets.IsSecret(name, value)
            ? new SnapshotItem(category, kind, key, null, redactedSource, secrets.Fingerprint(value))
            : new SnapshotItem(category, kind, key, value, redactedSource);

    private static List<KeyValuePair<string, string>> Read(string root, string relative, List<string> activeProfiles)
    {
        var text = SourceFiles.ReadText(root, relative, MaxFileBytes);
        var name = relative[(relative.LastIndexOf('/') + 1)..];
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigFormats.FlattenJson(text);
        }

        if (name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
        {
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var document in ConfigFormats.ParseYaml(text))
            {
                var flat = ConfigFormats.FlattenYamlDocument(document.RootNode);
                var activation = flat.Where(p => p.Key is "spring.config.activate.on-profile" or "spring.profiles").Select(p => p.Value).FirstOrDefault();
                if (activation is not null && !ProfileMatches(activation, activeProfiles))
                {
                    continue;
                }

                // The activation keys select documents; they are not configuration the application reads.
                pairs.AddRange(flat.Where(p => p.Key is not ("spring.config.activate.on-profile" or "spring.profiles")));
            }

            return pairs;
        }

        if (name.EndsWith(".properties", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigFormats.ParseProperties(text);
        }

        if (name == ".env")
        {
            return ConfigFormats.ParseDotEnv(text);
        }

        if (name.EndsWith(".ini", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigFormats.ParseIni(text);
        }

        return ConfigFormats.ParseToml(text);
    }

    // spring.profiles.active in the base file (its documents without a profile condition); empty when absent or unreadable,
    // the read error itself is reported when the file is read as a layer.
    private static List<string> ActiveProfilesIn(string root, string baseFile)
    {
        try
        {
            var value = Read(root, baseFile, []).LastOrDefault(p => p.Key == "spring.profiles.active").Value;
            return value is null ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        }
        catch (Exception e) when (e is SourceReadException or IOException)
        {
            return [];
        }
    }

    // spring.config.activate.on-profile: "prod" or "prod,eu" or "!dev".
    private static bool ProfileMatches(string expression, List<string> active)
    {
        foreach (var part in expression.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var negated = part.StartsWith('!');
            var name = negated ? part[1..].Trim() : part;
            var on = active.Contains(name, StringComparer.OrdinalIgnoreCase);
            if (negated ? !on : on)
            {
                return true;
            }
        }

        return false;
    }

    private static (string BasePath, string? Overlay, Family Family) Classify(string relative)
    {
        var folder = SourceFiles.ParentOf(relative);
        var prefix = folder.Length == 0 ? "" : folder + "/";
        var name = relative[prefix.Length..];
        if (AppSettings().Match(name) is { Success: true } app)
        {
            return (prefix + "appsettings.json", app.Groups["env"].Success ? app.Groups["env"].Value : null, Family.AppSettings);
        }

        if (Spring().Match(name) is { Success: true } spring)
        {
            var extension = spring.Groups["ext"].Value;
            return (prefix + "application." + extension, spring.Groups["profile"].Success ? spring.Groups["profile"].Value : null, Family.Spring);
        }

        return (relative, null, Family.Standalone);
    }

    private static string? Pick(Group group, IReadOnlyList<string> candidates)
    {
        foreach (var candidate in candidates)
        {
            foreach (var overlay in group.Overlays.Keys)
            {
                if (string.Equals(overlay, candidate, StringComparison.OrdinalIgnoreCase))
                {
                    return overlay;
                }
            }
        }

        return null;
    }

    // The variable's value when set; else the environment name and its usual other spellings (prod → Production).
    private static string[] Candidates(string? variable, string environmentName)
    {
        if (!string.IsNullOrWhiteSpace(variable))
        {
            return [variable.Trim()];
        }

        var name = environmentName.Trim();
        var aliases = EnvironmentAliases.FirstOrDefault(a => a.Contains(name, StringComparer.OrdinalIgnoreCase)) ?? [];
        return [name, .. aliases.Where(a => !string.Equals(a, name, StringComparison.OrdinalIgnoreCase))];
    }

    private static string? Variable(SnapshotContext context, string name) =>
        context.Variables.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    [GeneratedRegex(@"^appsettings(\.(?<env>[^.]+))?\.json$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AppSettings();

    [GeneratedRegex(@"^application(-(?<profile>[^.]+))?\.(?<ext>yml|yaml|properties)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Spring();

    private enum Family
    {
        Standalone,
        AppSettings,
        Spring,
    }

    private sealed class Group(Family family)
    {
        public Family Family { get; } = family;

        public string? BaseFile { get; set; }

        public SortedDictionary<string, string> Overlays { get; } = new(StringComparer.Ordinal);
    }
}
