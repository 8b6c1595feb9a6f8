using System.Globalization;
using System.Text;

namespace Vigil.Client;

/// <summary>Builds a path with a percent-encoded query; parameters whose value is null are left out.</summary>
internal sealed class QueryString
{
    private readonly StringBuilder _builder;
    private bool _first = true;

    public QueryString(string path) => _builder = new StringBuilder(path);

    public QueryString Add(string name, string? value)
    {
        if (value is null)
        {
            return this;
        }

        _builder.Append(_first ? '?' : '&')
            .Append(Uri.EscapeDataString(name))
            .Append('=')
            .Append(Uri.EscapeDataString(value));
        _first = false;
        return this;
    }

    public QueryString Add(string name, int? value) =>
        Add(name, value?.ToString(CultureInfo.InvariantCulture));

    public QueryString Add(string name, long? value) =>
        Add(name, value?.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds an instant in RFC 3339, UTC, with only the fractional digits it needs.</summary>
    public QueryString Add(string name, DateTimeOffset? value) =>
        Add(name, value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));

    /// <summary>Adds a duration as whole milliseconds, <c>250ms</c>.</summary>
    public QueryString Add(string name, TimeSpan? value)
    {
        if (value is not { } duration)
        {
            return this;
        }

        if (duration < TimeSpan.Zero || duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(name, duration, "A duration filter must be positive whole milliseconds.");
        }

        return Add(name, (duration.Ticks / TimeSpan.TicksPerMillisecond).ToString(CultureInfo.InvariantCulture) + "ms");
    }

    public QueryString AddEach(string name, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            Add(name, value);
        }

        return this;
    }

    public override string ToString() => _builder.ToString();
}
