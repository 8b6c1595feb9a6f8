using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vigil.Client;

/// <summary>The JSON settings of Vigil's REST API, shared by the server, the client and the CLI.</summary>
public static class VigilJson
{
    /// <summary>
    /// Web defaults (camelCase, case-insensitive reading, numbers accepted from strings) plus <c>"NaN"</c>,
    /// <c>"Infinity"</c> and <c>"-Infinity"</c> for the sample values Prometheus data really has.
    /// </summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>
    /// <see cref="Options"/>, written indented and without escaping HTML-sensitive or non-ASCII characters, for the
    /// CLI's <c>--output json</c> (read by people and <c>jq</c>, never embedded in a page).
    /// </summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
            WriteIndented = indented,
        };
        if (indented)
        {
            options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        }

        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
