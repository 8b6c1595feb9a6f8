using System.Globalization;
using System.Text;

namespace Vigil.Core.Telemetry;

/// <summary>
/// Formats floats exactly as Go's <c>strconv.FormatFloat(v, fmt, -1, 64)</c> does, because Prometheus writes label values
/// (<c>le</c>, <c>quantile</c>, <c>count_values</c>), exposition text and API values that way and clients compare the
/// text: the shortest digits that round-trip, laid out as <c>'f'</c> (never an exponent), <c>'e'</c> (<c>1.5e-07</c>,
/// at least two exponent digits) or <c>'g'</c> (the exponent form when the decimal exponent is below -4 or at least 6).
/// Infinities are <c>+Inf</c>/<c>-Inf</c> and NaN is <c>NaN</c>, as Prometheus prints them.
/// </summary>
public static class GoFloat
{
    /// <summary>Go's <c>'f'</c> form: <c>0.000001</c>, <c>100000000000000000000</c>.</summary>
    public static string FormatF(double value) => Format(value, 'f');

    /// <summary>Go's shortest <c>'g'</c> form: the exponent form when the decimal exponent is below -4 or at least 6 (<c>1e+06</c>, <c>1.5e-05</c>).</summary>
    public static string FormatG(double value) => Format(value, 'g');

    /// <summary>
    /// A sample value as Prometheus's HTTP API writes it (<c>jsonutil.MarshalFloat</c>): <c>'e'</c> when the magnitude is
    /// below 1e-6 or at least 1e21, <c>'f'</c> otherwise.
    /// </summary>
    public static string FormatApiValue(double value)
    {
        var abs = Math.Abs(value);
        return Format(value, abs != 0 && (abs < 1e-6 || abs >= 1e21) ? 'e' : 'f');
    }

    private static string Format(double value, char format)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "+Inf" : "-Inf";
        }

        // .NET's "R" gives the shortest round-trip digits; only their layout differs from Go's.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        if (format == 'f' && shortest.IndexOf('E', StringComparison.Ordinal) < 0)
        {
            return shortest;
        }

        var negative = shortest[0] == '-';
        var text = negative ? shortest.AsSpan(1) : shortest.AsSpan();
        var exponent = 0;
        var e = text.IndexOf('E');
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        // value = 0.d1d2d3... x 10^point
        Span<char> digits = stackalloc char[32];
        var count = 0;
        var dot = text.IndexOf('.');
        var point = (dot < 0 ? text.Length : dot) + exponent;
        foreach (var c in text)
        {
            if (c != '.')
            {
                digits[count++] = c;
            }
        }

        var start = 0;
        while (start < count - 1 && digits[start] == '0')
        {
            start++;
            point--;
        }

        while (count - start > 1 && digits[count - 1] == '0')
        {
            count--;
        }

        var d = digits[start..count];
        if (d.Length == 1 && d[0] == '0')
        {
            return negative ? "-0" : "0";
        }

        var decimalExponent = point - 1;
        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }

        var exponential = format == 'e' || (format == 'g' && (decimalExponent < -4 || decimalExponent >= 6));
        if (exponential)
        {
            sb.Append(d[0]);
            if (d.Length > 1)
            {
                sb.Append('.').Append(d[1..]);
            }

            sb.Append('e').Append(decimalExponent < 0 ? '-' : '+');
            var magnitude = Math.Abs(decimalExponent);
            if (magnitude < 10)
            {
                sb.Append('0');
            }

            sb.Append(magnitude.ToString(CultureInfo.InvariantCulture));
        }
        else if (point <= 0)
        {
            sb.Append("0.").Append('0', -point).Append(d);
        }
        else if (point >= d.Length)
        {
            sb.Append(d).Append('0', point - d.Length);
        }
        else
        {
            sb.Append(d[..point]).Append('.').Append(d[point..]);
        }

        return sb.ToString();
    }
}
