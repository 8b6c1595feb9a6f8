using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;

namespace Vigil.Server.Otlp;

/// <summary>Thrown for a request body that cannot be decoded; the message says what was wrong and where.</summary>
internal sealed class OtlpDecodeException(string message) : Exception(message);

/// <summary>
/// OTLP/JSON decoding. OTLP/JSON is proto3 JSON with two differences that Google.Protobuf's parser does not know:
/// trace and span ids are hex, not base64; and 64-bit integers may be JSON numbers beyond a double's precision. One
/// streaming pass over the JSON (which also reports syntax errors with line and column) rewrites hex ids to base64 and
/// long integer literals to strings; Google.Protobuf then parses the result, ignoring unknown fields. Enums are accepted
/// as integers or names, keys in lowerCamelCase or as in the .proto.
/// </summary>
internal static class OtlpJson
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    private static readonly byte[][] IdProperties =
    [
        "traceId"u8.ToArray(), "spanId"u8.ToArray(), "parentSpanId"u8.ToArray(),
        "trace_id"u8.ToArray(), "span_id"u8.ToArray(), "parent_span_id"u8.ToArray(),
    ];

    /// <summary>Decodes an OTLP/JSON body; throws <see cref="OtlpDecodeException"/> with the reason.</summary>
    public static T Parse<T>(ReadOnlySpan<byte> utf8)
        where T : IMessage, new()
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            throw new OtlpDecodeException($"invalid JSON: the body is not valid UTF-8 (first bad byte at offset {FirstInvalidUtf8Offset(utf8)})");
        }

        string rewritten;
        try
        {
            rewritten = Rewrite(utf8);
        }
        catch (JsonException ex)
        {
            var reason = ex.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            throw new OtlpDecodeException($"invalid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {reason}");
        }

        try
        {
            return Parser.Parse<T>(rewritten);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OtlpDecodeException($"invalid OTLP/JSON {typeof(T).Name}: {ex.Message}");
        }
        catch (InvalidJsonException ex)
        {
            throw new OtlpDecodeException($"invalid OTLP/JSON {typeof(T).Name}: {ex.Message}");
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw new OtlpDecodeException($"invalid OTLP/JSON {typeof(T).Name}: {ex.Message}");
        }
        catch (FormatException ex)
        {
            throw new OtlpDecodeException($"invalid OTLP/JSON {typeof(T).Name}: {ex.Message}");
        }
    }

    /// <summary>Rewrites hex ids to base64 and long integer literals to strings; throws <see cref="JsonException"/> on bad JSON.</summary>
    internal static string Rewrite(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 128 });
        var output = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, MaxDepth = 128 }))
        {
            var idValue = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        idValue = false;
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        idValue = IsIdProperty(ref reader);
                        if (reader.ValueIsEscaped)
                        {
                            writer.WritePropertyName(reader.GetString()!);
                        }
                        else
                        {
                            writer.WritePropertyName(reader.ValueSpan);
                        }

                        continue;
                    case JsonTokenType.String:
                        if (idValue)
                        {
                            writer.WriteStringValue(HexToBase64(reader.GetString()!));
                        }
                        else if (reader.ValueIsEscaped)
                        {
                            writer.WriteStringValue(reader.GetString());
                        }
                        else
                        {
                            writer.WriteStringValue(reader.ValueSpan);
                        }

                        break;
                    case JsonTokenType.Number:
                        // Integers beyond 2^53 lose precision as doubles, and Google.Protobuf reads numbers as doubles:
                        // proto3 JSON allows 64-bit integers as strings, which it reads exactly.
                        var number = reader.ValueSpan;
                        if (number.Length > 15 && number.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0)
                        {
                            writer.WriteStringValue(number);
                        }
                        else
                        {
                            writer.WriteRawValue(number, skipInputValidation: true);
                        }

                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }

                idValue = false;
            }
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private static bool IsIdProperty(ref Utf8JsonReader reader)
    {
        foreach (var name in IdProperties)
        {
            if (reader.ValueTextEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    // OTLP/JSON ids are hex; a value that is not even-length hex is passed on as it is (base64, as some older clients
    // sent), and Google.Protobuf reports it if it is not base64 either.
    private static string HexToBase64(string value)
    {
        if (value.Length == 0 || value.Length % 2 != 0)
        {
            return value;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return value;
            }
        }

        return Convert.ToBase64String(Convert.FromHexString(value));
    }

    private static int FirstInvalidUtf8Offset(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        while (offset < utf8.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(utf8[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }
}
