using Microsoft.Extensions.Configuration;
using Vigil.Server.Hosting;

namespace Vigil.Server.Configuration;

/// <summary>
/// Loads Vigil's configuration: <c>vigil.yaml</c> (or the file named by <c>--config</c>), then <c>VIGIL__SECTION__KEY</c>
/// environment variables, then command-line flags, each overriding the one before. Every error is collected and
/// reported together.
/// </summary>
public static class VigilConfiguration
{
    /// <summary>The default configuration file, read from the working directory when present.</summary>
    public const string DefaultFile = "vigil.yaml";

    /// <summary>Loads and validates the configuration; <paramref name="errors"/> is empty on success.</summary>
    public static VigilOptions Load(ServeArguments arguments, out IReadOnlyList<string> errors) =>
        Load(arguments, environment: null, out errors);

    /// <summary>As <see cref="Load(ServeArguments, out IReadOnlyList{string})"/>, reading <c>VIGIL__*</c> from <paramref name="environment"/> instead of the process (for tests).</summary>
    internal static VigilOptions Load(ServeArguments arguments, IReadOnlyDictionary<string, string>? environment, out IReadOnlyList<string> errors)
    {
        const string prefix = "VIGIL__";
        var found = new List<string>();
        var builder = new ConfigurationBuilder();
        builder.Add(new YamlConfigurationSource(arguments.ConfigFile ?? DefaultFile, optional: arguments.ConfigFile is null, found));
        if (environment is null)
        {
            builder.AddEnvironmentVariables(prefix);
        }
        else
        {
            builder.AddInMemoryCollection(environment
                .Where(e => e.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(e => new KeyValuePair<string, string?>(e.Key[prefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), e.Value)));
        }

        var flags = new Dictionary<string, string?>();
        AddFlag(flags, "server:dataDirectory", arguments.DataDirectory);
        AddFlag(flags, "server:listen", arguments.Listen);
        AddFlag(flags, "server:otlpGrpc", arguments.OtlpGrpc);
        AddFlag(flags, "server:otlpHttp", arguments.OtlpHttp);
        AddFlag(flags, "server:readyFile", arguments.ReadyFile);
        builder.AddInMemoryCollection(flags);
        var configuration = builder.Build();

        var options = new VigilOptions();
        foreach (var section in configuration.GetChildren())
        {
            var target = options.Section(section.Key);
            if (target is null)
            {
                found.Add($"{section.Key}: unknown section (known: {string.Join(", ", VigilOptions.SectionNames)}, {Scrape.ScrapeConfigReader.Key})");
                continue;
            }

            var name = VigilOptions.SectionNames.First(n => string.Equals(n, section.Key, StringComparison.OrdinalIgnoreCase));
            OptionsBinder.Bind(section, target, name, found);
        }

        options.ScrapeConfigs = Scrape.ScrapeConfigReader.ReadFile(arguments.ConfigFile ?? DefaultFile, found);
        options.Validate(found);
        errors = found;
        return options;
    }

    private static void AddFlag(Dictionary<string, string?> flags, string key, string? value)
    {
        if (value is not null)
        {
            flags[key] = value;
        }
    }
}
