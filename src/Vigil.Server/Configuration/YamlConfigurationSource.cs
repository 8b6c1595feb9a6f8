using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Configuration;

/// <summary>
/// Reads <c>vigil.yaml</c> into configuration keys (<c>section:key</c>). A missing file is an error only when it was
/// named explicitly. Syntax errors are collected as <c>file:line:col: reason</c> rather than thrown.
/// </summary>
internal sealed class YamlConfigurationSource(string path, bool optional, List<string> errors) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new YamlConfigurationProvider(path, optional, errors);

    private sealed class YamlConfigurationProvider(string path, bool optional, List<string> errors) : ConfigurationProvider
    {
        public override void Load()
        {
            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (!File.Exists(path))
            {
                if (!optional)
                {
                    errors.Add($"{path}: configuration file not found");
                }

                return;
            }

            try
            {
                using var reader = new StreamReader(path);
                var stream = new YamlStream();
                stream.Load(reader);
                if (stream.Documents.Count == 0)
                {
                    return;
                }

                if (stream.Documents[0].RootNode is not YamlMappingNode root)
                {
                    if (stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
                    {
                        return;
                    }

                    var mark = stream.Documents[0].RootNode.Start;
                    errors.Add($"{path}:{mark.Line}:{mark.Column}: the top level must be a mapping of sections");
                    return;
                }

                Flatten(root, prefix: null);
            }
            catch (YamlException ex)
            {
                errors.Add($"{path}:{ex.Start.Line}:{ex.Start.Column}: {ex.InnerException?.Message ?? ex.Message}");
            }
            catch (IOException ex)
            {
                errors.Add($"{path}: cannot read: {ex.Message}");
            }
        }

        private void Flatten(YamlNode node, string? prefix)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var name = ((YamlScalarNode)key).Value ?? string.Empty;
                        if (prefix is null && name == Scrape.ScrapeConfigReader.Key)
                        {
                            // A list in Prometheus's schema, read by ScrapeConfigReader rather than flattened into keys.
                            continue;
                        }

                        Flatten(value, prefix is null ? name : prefix + ConfigurationPath.KeyDelimiter + name);
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Flatten(sequence.Children[i], prefix + ConfigurationPath.KeyDelimiter + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }

                    break;
                case YamlScalarNode scalar when prefix is not null:
                    Data[prefix] = scalar.Value;
                    break;
            }
        }
    }
}
