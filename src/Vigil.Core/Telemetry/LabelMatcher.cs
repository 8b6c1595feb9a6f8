using System.Text.RegularExpressions;

namespace Vigil.Core.Telemetry;

/// <summary>How a <see cref="LabelMatcher"/> compares a label's value.</summary>
public enum MatchType
{
    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>!=</c></summary>
    NotEqual,

    /// <summary><c>=~</c>, fully anchored as in Prometheus.</summary>
    Regex,

    /// <summary><c>!~</c>, fully anchored as in Prometheus.</summary>
    NotRegex,
}

/// <summary>
/// A Prometheus label matcher. An absent label matches as the empty string, as in Prometheus, so
/// <c>foo=""</c> selects series without <c>foo</c>.
/// </summary>
public sealed class LabelMatcher
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);
    private readonly Regex? _regex;

    /// <summary>Creates a matcher; throws <see cref="ArgumentException"/> for an invalid regular expression.</summary>
    public LabelMatcher(string name, MatchType type, string value)
    {
        Name = name;
        Type = type;
        Value = value;
        if (type is MatchType.Regex or MatchType.NotRegex)
        {
            try
            {
                // PromQL patterns are Go (RE2) syntax, anchored to the whole value.
                _regex = Vigil.Core.PromQl.GoRegex.CompileAnchored(value, RegexTimeout);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"invalid regular expression in matcher {name}: {ex.Message}", nameof(value), ex);
            }
        }
    }

    /// <summary>The label name.</summary>
    public string Name { get; }

    /// <summary>The comparison.</summary>
    public MatchType Type { get; }

    /// <summary>The value or pattern.</summary>
    public string Value { get; }

    /// <summary>A matcher on the metric name.</summary>
    public static LabelMatcher MetricName(string name) => new(LabelSet.MetricNameLabel, MatchType.Equal, name);

    /// <summary>Whether a label value (empty when absent) matches.</summary>
    public bool Matches(string? value)
    {
        value ??= string.Empty;
        return Type switch
        {
            MatchType.Equal => string.Equals(value, Value, StringComparison.Ordinal),
            MatchType.NotEqual => !string.Equals(value, Value, StringComparison.Ordinal),
            MatchType.Regex => _regex!.IsMatch(value),
            MatchType.NotRegex => !_regex!.IsMatch(value),
            _ => false,
        };
    }

    /// <summary>Whether a series' labels satisfy this matcher.</summary>
    public bool Matches(LabelSet labels) => Matches(labels.Get(Name));

    /// <summary>Whether this matcher matches the empty string (and so also series lacking the label).</summary>
    public bool MatchesEmpty => Matches(string.Empty);

    /// <inheritdoc />
    public override string ToString()
    {
        var op = Type switch
        {
            MatchType.Equal => "=",
            MatchType.NotEqual => "!=",
            MatchType.Regex => "=~",
            _ => "!~",
        };
        return $"{Name}{op}\"{Value}\"";
    }
}
