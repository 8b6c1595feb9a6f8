using System.Text.Json;

namespace Vigil.Core.Anomalies.Nab;

/// <summary>Reads NAB's JSON files (windows, profiles): the document must parse and its root be an object.</summary>
internal static class NabJson
{
    /// <summary>Parses <paramref name="json"/>; a syntax error or a root that is not an object is a <see cref="FormatException"/> naming <paramref name="source"/>.</summary>
    public static JsonDocument ParseObject(string json, string source, string expected)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: not valid JSON: {e.Message}", e);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new FormatException($"{source}: expected {expected}.");
        }

        return document;
    }
}
