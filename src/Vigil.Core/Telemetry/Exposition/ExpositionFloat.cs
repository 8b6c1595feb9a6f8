using System.Globalization;
using System.Text;

namespace Vigil.Core.Telemetry.Exposition;

/// <summary>
/// Float parsing and formatting with Prometheus's rules: Go's <c>strconv.ParseFloat</c> restricted to the pre-Go 1.13
/// syntax (no hex floats, no underscores), and OpenMetrics canonical formatting for <c>le</c> and <c>quantile</c>.
/// </summary>
internal static class ExpositionFloat
{
    /// <summary>Prometheus's ordinary NaN; distinct from its staleness marker (0x7ff0000000000002).</summary>
    public static readonly double NormalNaN = BitConverter.UInt64BitsToDouble(0x7ff8000000000001);

    /// <summary>Parses a value; on failure returns false with a reason.</summary>
    public static bool TryParse(ReadOnlySpan<byte> s, out double value, out string? reason)
    {
        value = 0;
        reason = null;
        if (s.IsEmpty)
        {
            reason = "empty value";
            return false;
        }

        // Hot path (Clinger's fast path): up to 15 significant digits and a power of ten up to 22 are both exact
        // in a double, so one multiplication or division is correctly rounded. Covers nearly every real value
        // without the general parser.
        if (TryParseFast(s, out value))
        {
            return true;
        }

        var start = 0;
        var negative = false;
        if (s[0] is (byte)'+' or (byte)'-')
        {
            negative = s[0] == '-';
            start = 1;
        }

        var body = s[start..];
        if (Ascii.EqualsIgnoreCase(body, "inf"u8) || Ascii.EqualsIgnoreCase(body, "infinity"u8))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        // Go accepts a sign before Inf but not before NaN.
        if (start == 0 && Ascii.EqualsIgnoreCase(body, "nan"u8))
        {
            value = NormalNaN;
            return true;
        }

        if (s.IndexOfAny("pP_"u8) >= 0)
        {
            reason = "unsupported character in float";
            return false;
        }

        if (!IsDecimalSyntax(body) ||
            !double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value))
        {
            reason = "invalid syntax";
            value = 0;
            return false;
        }

        if (double.IsInfinity(value))
        {
            reason = "value out of range";
            value = 0;
            return false;
        }

        return true;
    }

    private static readonly double[] PowersOfTen =
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ];

    private static bool TryParseFast(ReadOnlySpan<byte> s, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (s[0] is (byte)'-' or (byte)'+')
        {
            negative = s[0] == '-';
            i = 1;
        }

        long mantissa = 0;
        var digits = 0;
        var fractionDigits = 0;
        var sawPoint = false;
        for (; i < s.Length; i++)
        {
            var b = s[i];
            if ((uint)(b - '0') <= 9)
            {
                if (++digits > 15)
                {
                    return false;
                }

                mantissa = (mantissa * 10) + (b - '0');
                if (sawPoint)
                {
                    fractionDigits++;
                }
            }
            else if (b == '.' && !sawPoint)
            {
                sawPoint = true;
            }
            else
            {
                break;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        var exponent = 0;
        if (i < s.Length)
        {
            if (s[i] is not ((byte)'e' or (byte)'E') || ++i == s.Length)
            {
                return false;
            }

            var negativeExponent = false;
            if (s[i] is (byte)'-' or (byte)'+')
            {
                negativeExponent = s[i] == '-';
                if (++i == s.Length)
                {
                    return false;
                }
            }

            for (; i < s.Length; i++)
            {
                if ((uint)(s[i] - '0') > 9 || exponent > 1000)
                {
                    return false;
                }

                exponent = (exponent * 10) + (s[i] - '0');
            }

            exponent = negativeExponent ? -exponent : exponent;
        }

        var scale = exponent - fractionDigits;
        if (scale is < -22 or > 22)
        {
            return false;
        }

        value = scale >= 0 ? mantissa * PowersOfTen[scale] : mantissa / PowersOfTen[-scale];
        if (double.IsInfinity(value))
        {
            return false;
        }

        value = negative ? -value : value;
        return true;
    }

    // digits [ "." digits ] | "." digits, then optionally e|E [+|-] digits; at least one mantissa digit.
    private static bool IsDecimalSyntax(ReadOnlySpan<byte> s)
    {
        var i = 0;
        var mantissaDigits = 0;
        while (i < s.Length && (uint)(s[i] - '0') <= 9)
        {
            i++;
            mantissaDigits++;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                i++;
                mantissaDigits++;
            }
        }

        if (mantissaDigits == 0)
        {
            return false;
        }

        if (i < s.Length && s[i] is (byte)'e' or (byte)'E')
        {
            i++;
            if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var expDigits = 0;
            while (i < s.Length && (uint)(s[i] - '0') <= 9)
            {
                i++;
                expDigits++;
            }

            if (expDigits == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }

    /// <summary>
    /// Formats a float as Prometheus's <c>formatOpenMetricsFloat</c> does: Go's shortest <c>%g</c>, with <c>.0</c>
    /// appended when the result has neither a point nor an exponent (so <c>1</c> and <c>1.0</c> both become
    /// <c>1.0</c>, and <c>1e6</c> becomes <c>1e+06</c>).
    /// </summary>
    public static string FormatOpenMetrics(double f)
    {
        if (double.IsNaN(f))
        {
            return "NaN";
        }

        if (double.IsPositiveInfinity(f))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(f))
        {
            return "-Inf";
        }

        if (f == 0)
        {
            return "0.0";
        }

        var s = GoFloat.FormatG(f);
        return s.AsSpan().IndexOfAny('e', '.') >= 0 ? s : s + ".0";
    }
}
