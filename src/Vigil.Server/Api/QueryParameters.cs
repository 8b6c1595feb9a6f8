using System.Globalization;
using Microsoft.Extensions.Primitives;
using Vigil.Core.PromQl;
using Vigil.Core.Telemetry;
using Vigil.Core.Time;

namespace Vigil.Server.Api;

/// <summary>Reads and validates query-string parameters, throwing <see cref="BadParameterException"/> with what was wrong.</summary>
internal sealed class QueryParameters(IQueryCollection query)
{
    public string? String(string name)
    {
        var value = query[name].ToString();
        return value.Length == 0 ? null : value;
    }

    public StringValues All(string name) => query[name];

    public DateTimeOffset? Time(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        return TimestampParser.TryParse(text, out var time, out var error) ? time : throw new BadParameterException(name, error);
    }

    public TimeSpan? Duration(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        return DurationParser.TryParse(text, out var duration, out var error) ? duration : throw new BadParameterException(name, error);
    }

    public int Limit(string name, int defaultValue, int max)
    {
        var text = String(name);
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw new BadParameterException(name, $"'{text}' is not a positive whole number");
        }

        return Math.Min(value, max);
    }

    /// <summary>The <c>match[]</c> selectors, parsed; at least one is required.</summary>
    public IReadOnlyList<IReadOnlyList<LabelMatcher>> Selectors(string name = "match[]")
    {
        var values = All(name);
        if (values.Count == 0)
        {
            throw new BadParameterException(name, "at least one series selector is required, e.g. match[]=http_requests_total{job=\"api\"}");
        }

        var selectors = new List<IReadOnlyList<LabelMatcher>>(values.Count);
        foreach (var value in values)
        {
            try
            {
                selectors.Add(SeriesSelectorParser.Parse(value ?? string.Empty));
            }
            catch (PromQlParseException ex)
            {
                throw new BadParameterException(name, $"{ex.Reason} at position {ex.Position} in '{value}'");
            }
        }

        return selectors;
    }

    /// <summary>The [start, end] window in Unix milliseconds; defaults to the last <paramref name="defaultSpan"/> before now.</summary>
    public (long StartMs, long EndMs) Window(DateTimeOffset now, TimeSpan defaultSpan)
    {
        var end = Time("end") ?? now;
        var start = Time("start") ?? end - defaultSpan;
        if (start > end)
        {
            throw new BadParameterException("start", "start must not be after end");
        }

        return (start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds());
    }
}
