using YamlDotNet.RepresentationModel;

namespace Vigil.Core.Declarative;

/// <summary>A file given to <c>vigil apply</c>: the name errors are reported under, and its text.</summary>
public sealed record DeclarativeFile(string Name, string Text);

/// <summary>A valid document with its header read: what apply stores as a <see cref="DeclarativeObject"/>.</summary>
/// <param name="Kind">The kind, spelled as the registry spells it.</param>
/// <param name="Name">The object's <c>metadata.name</c>.</param>
/// <param name="Source">Where the document came from (file and line offset) and its text.</param>
public sealed record DeclarativeDocument(string Kind, string Name, YamlDocumentText Source)
{
    /// <summary>The text as stored (see <see cref="YamlDocuments.Normalize"/>).</summary>
    public string Yaml => YamlDocuments.Normalize(Source.Text);

    /// <summary><c>Kind/name</c>, as apply reports it.</summary>
    public string Key => $"{Kind}/{Name}";
}

/// <summary>
/// Reads declarative files: splits them into documents, checks each header (<c>apiVersion: vigil/v1</c>, a known
/// <c>kind</c>, a <c>metadata.name</c>), validates each document by its kind, and rejects the same (kind, name) twice.
/// Every problem is reported, with its position, before anything is applied.
/// </summary>
public static class DeclarativeReader
{
    /// <summary>The most documents one apply may hold, so one request cannot make the server validate without end.</summary>
    public const int MaxDocuments = 1000;

    /// <summary>Reads and validates <paramref name="files"/>; the documents are usable only when <paramref name="errors"/> stayed empty.</summary>
    public static IReadOnlyList<DeclarativeDocument> Read(
        IReadOnlyList<DeclarativeFile> files, DeclarativeKinds kinds, DeclarativeValidationContext context, List<DocumentError> errors)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(kinds);
        ArgumentNullException.ThrowIfNull(errors);
        var documents = new List<DeclarativeDocument>();
        var seen = new Dictionary<(string, string), YamlDocumentText>();
        var count = 0;
        foreach (var file in files)
        {
            var sources = YamlDocuments.Split(file.Name, file.Text);
            if (sources.Count == 0)
            {
                errors.Add(new DocumentError(file.Name, 0, 0, "no YAML documents in this file"));
                continue;
            }

            foreach (var source in sources)
            {
                if (++count > MaxDocuments)
                {
                    errors.Add(new DocumentError(file.Name, source.LineOffset + 1, 1, $"more than {MaxDocuments} documents in one apply; split it"));
                    return documents;
                }

                if (ReadHeader(source, kinds, errors) is not var (kind, name, nameMark))
                {
                    continue;
                }

                var before = errors.Count;
                kind.Validate(source, context, errors);
                if (seen.TryGetValue((kind.Kind, name), out var first))
                {
                    errors.Add(new DocumentError(file.Name, nameMark.Line, nameMark.Column,
                        $"metadata.name: {kind.Kind} '{name}' is already defined at {first.File}:{FirstLine(first)}"));
                    continue;
                }

                seen[(kind.Kind, name)] = source;
                if (errors.Count == before)
                {
                    documents.Add(new DeclarativeDocument(kind.Kind, name, source));
                }
            }
        }

        return documents;
    }

    private static int FirstLine(YamlDocumentText source)
    {
        var lines = source.Text.Split('\n');
        var index = Array.FindIndex(lines, l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#') && l.Trim() != "---");
        return source.LineOffset + Math.Max(0, index) + 1;
    }

    private static (IDeclarativeKind Kind, string Name, (int Line, int Column) NameMark)? ReadHeader(
        YamlDocumentText source, DeclarativeKinds kinds, List<DocumentError> errors)
    {
        var fields = new YamlFields(source.File, source.Text, source.LineOffset, errors);
        var before = errors.Count;
        if (fields.Load() is not { } root)
        {
            return null;
        }

        if (root is not YamlMappingNode mapping)
        {
            fields.Error(root, string.Empty, "a declarative document is a mapping with apiVersion, kind, metadata and spec");
            return null;
        }

        YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: var k } && k == key).Value;

        var apiVersion = Get(mapping, "apiVersion");
        if (apiVersion is null)
        {
            fields.Error(root, string.Empty, $"apiVersion is required (apiVersion: {DeclarativeKinds.ApiVersion})");
        }
        else if (fields.String(apiVersion, "apiVersion") is { } version && version != DeclarativeKinds.ApiVersion)
        {
            fields.Error(apiVersion, "apiVersion", $"unknown apiVersion '{version}' (this server knows {DeclarativeKinds.ApiVersion})");
        }

        IDeclarativeKind? kind = null;
        var kindNode = Get(mapping, "kind");
        if (kindNode is null)
        {
            fields.Error(root, string.Empty, $"kind is required (one of: {string.Join(", ", kinds.Names)})");
        }
        else if (fields.String(kindNode, "kind") is { } kindName)
        {
            kind = kinds.Find(kindName);
            if (kind is null)
            {
                fields.Error(kindNode, "kind", $"unknown kind '{kindName}' (known: {string.Join(", ", kinds.Names)})");
            }
            else if (kind.Kind != kindName)
            {
                fields.Error(kindNode, "kind", $"write the kind as '{kind.Kind}'");
            }
        }

        string? name = null;
        var nameMark = (0, 0);
        var metadata = Get(mapping, "metadata");
        if (metadata is null)
        {
            fields.Error(root, string.Empty, "metadata is required (metadata: {name: ...})");
        }
        else if (metadata is not YamlMappingNode metadataMap)
        {
            fields.Error(metadata, "metadata", "expected a mapping with a name");
        }
        else if (Get(metadataMap, "name") is not { } nameNode)
        {
            fields.Error(metadata, "metadata", "'name' is required");
        }
        else
        {
            name = fields.String(nameNode, "metadata.name");
            nameMark = ((int)nameNode.Start.Line + source.LineOffset, (int)nameNode.Start.Column);
        }

        return errors.Count == before && kind is not null && name is not null ? (kind, name, nameMark) : null;
    }
}
