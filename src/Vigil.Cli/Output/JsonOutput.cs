using System.Text.Json;
using Vigil.Client;

namespace Vigil.Cli.Output;

/// <summary>Writes a value as indented JSON with the API's settings, so <c>--output json</c> matches the REST API.</summary>
internal static class JsonOutput
{
    public static void Write<T>(TextWriter writer, T value) =>
        writer.WriteLine(JsonSerializer.Serialize(value, VigilJson.Indented));
}
