using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Vigil.Core.Telemetry;
using Vigil.Server.Otlp.Protos.Common;

namespace Vigil.Server.Otlp;

/// <summary>
/// OTLP values as Vigil keeps them (TelemetryAttribute's convention): strings as they are, numbers in invariant
/// culture, booleans <c>true</c>/<c>false</c>, bytes base64, arrays and maps JSON; ids as lowercase hex.
/// </summary>
internal static class OtlpValues
{
    /// <summary>An attribute value as text.</summary>
    public static string ToText(AnyValue? value)
    {
        if (value is null)
        {
            return string.Empty;
        }

        return value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => value.StringValue,
            AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
            AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToBase64(),
            AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue => ToJson(value),
            _ => string.Empty,
        };
    }

    /// <summary>A log body as text: a string as it is, anything else as JSON, empty when absent.</summary>
    public static string BodyText(AnyValue? value) => value is null || value.ValueCase == AnyValue.ValueOneofCase.None
        ? string.Empty
        : value.ValueCase == AnyValue.ValueOneofCase.StringValue ? value.StringValue : ToJson(value);

    /// <summary>A value as JSON: strings and bytes (base64) quoted, numbers bare (non-finite ones quoted), maps as objects.</summary>
    public static string ToJson(AnyValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, value, depth: 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Attributes as Vigil's model has them; keys are kept as sent.</summary>
    public static IReadOnlyList<TelemetryAttribute> ToAttributes(RepeatedField<KeyValue> attributes)
    {
        if (attributes.Count == 0)
        {
            return [];
        }

        var result = new TelemetryAttribute[attributes.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var kv = attributes[i];
            result[i] = new TelemetryAttribute(kv.Key, ToText(kv.Value));
        }

        return result;
    }

    /// <summary>An id as lowercase hex; empty when absent or all zero (OTLP's "invalid id").</summary>
    public static string Hex(ByteString id) => IsAbsent(id) ? string.Empty : Convert.ToHexStringLower(id.Span);

    /// <summary>True for an empty or all-zero id, which OTLP treats as absent.</summary>
    public static bool IsAbsent(ByteString id) => id.Span.IndexOfAnyExcept((byte)0) < 0;

    // Nesting is bounded by protobuf's own recursion limit (100) when the message was parsed; the depth check keeps
    // this writer safe for messages built in code too.
    private static void WriteJson(Utf8JsonWriter writer, AnyValue? value, int depth)
    {
        if (value is null || depth > 64)
        {
            writer.WriteNullValue();
            return;
        }

        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                writer.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                if (double.IsFinite(value.DoubleValue))
                {
                    writer.WriteNumberValue(value.DoubleValue);
                }
                else
                {
                    writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                }

                break;
            case AnyValue.ValueOneofCase.BytesValue:
                writer.WriteBase64StringValue(value.BytesValue.Span);
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteJson(writer, item, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                writer.WriteStartObject();
                foreach (var kv in value.KvlistValue.Values)
                {
                    writer.WritePropertyName(kv.Key);
                    WriteJson(writer, kv.Value, depth + 1);
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
