using System.Text;
using System.Text.RegularExpressions;
using Vigil.Core.Time;

namespace Vigil.Core.Verification.Runs;

/// <summary>
/// The values of a plan's placeholders for one side of one query (<see cref="PlanPlaceholders"/>).
/// </summary>
/// <param name="Service">The release's service.</param>
/// <param name="Environment">The release's environment.</param>
/// <param name="Version">The version of the side queried: the canary (or after-window) version, or the baseline's.</param>
/// <param name="BaselineVersion">The baseline version, the same on both sides; null fills as an empty string.</param>
/// <param name="Interval">The plan's interval, filled as a PromQL duration.</param>
public sealed record TemplateValues(string Service, string Environment, string Version, string? BaselineVersion, TimeSpan Interval)
{
    /// <summary>The same values for the other side, whose <c>{{version}}</c> is <paramref name="version"/>.</summary>
    public TemplateValues ForVersion(string version) => this with { Version = version };
}

/// <summary>
/// Fills a plan's PromQL templates. Label values (service, versions, environment) are escaped for a PromQL
/// double-quoted string, so a value holding <c>"</c> or <c>\</c> can neither break the query nor change its meaning;
/// <c>{{interval}}</c> becomes a Prometheus duration (<c>30s</c>, <c>1m30s</c>). A placeholder that is not one of
/// <see cref="PlanPlaceholders.All"/> is left as written (plans are checked at apply time; the query then fails to
/// parse and the metric is Nodata with that error).
/// </summary>
public static partial class QueryTemplate
{
    /// <summary>Fills every placeholder of <paramref name="template"/>; <c>{{ name }}</c> with spaces is accepted too.</summary>
    public static string Fill(string template, TemplateValues values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        return Placeholder().Replace(template, match => match.Groups[1].Value switch
        {
            PlanPlaceholders.Service => EscapeLabelValue(values.Service),
            PlanPlaceholders.Environment => EscapeLabelValue(values.Environment),
            PlanPlaceholders.Version => EscapeLabelValue(values.Version),
            PlanPlaceholders.BaselineVersion => EscapeLabelValue(values.BaselineVersion ?? string.Empty),
            PlanPlaceholders.Interval => DurationParser.Format(values.Interval),
            _ => match.Value,
        });
    }

    /// <summary>
    /// Escapes <paramref name="value"/> for the inside of a PromQL double-quoted string (Go's escapes):
    /// backslash, double quote, and control characters.
    /// </summary>
    public static string EscapeLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Any(c => c is '\\' or '"' || char.IsControl(c)))
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append(@"\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
