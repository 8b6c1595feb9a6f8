using System.Globalization;

namespace Vigil.Samples.CommandLine;

/// <summary>
/// The samples' tiny command line: <c>--name value</c> or <c>--name=value</c>, a name may repeat, and each option may
/// also come from an environment variable (<c>--fail-every</c> from <c>PREFIX_FAIL_EVERY</c>); the command line wins.
/// Kept dependency-free so a sample reads as plain ASP.NET Core and OpenTelemetry code.
/// </summary>
internal sealed class ArgumentReader
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _known;
    private readonly string _environmentPrefix;

    /// <summary>Reads <paramref name="args"/>; throws <see cref="ArgumentException"/> naming any unknown or incomplete option.</summary>
    public ArgumentReader(IReadOnlyList<string> args, IEnumerable<string> known, string environmentPrefix)
    {
        _known = new HashSet<string>(known, StringComparer.Ordinal);
        _environmentPrefix = environmentPrefix;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new ArgumentException($"unexpected argument '{arg}': options are --name value");
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            if (name is not "help" && !_known.Contains(name))
            {
                throw new ArgumentException($"unknown option --{name}; known: {string.Join(", ", _known.Order(StringComparer.Ordinal).Select(k => "--" + k))}");
            }

            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (name is "help")
            {
                value = "true";
            }
            else if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"option --{name} needs a value");
            }
            else
            {
                value = args[++i];
            }

            if (!_values.TryGetValue(name, out var list))
            {
                _values[name] = list = [];
            }

            list.Add(value);
        }
    }

    /// <summary>True when <c>--help</c> was given.</summary>
    public bool HelpRequested => _values.ContainsKey("help");

    /// <summary>The last value of an option, else its environment variable, else <paramref name="fallback"/>.</summary>
    public string? Text(string name, string? fallback = null)
    {
        if (_values.TryGetValue(name, out var list))
        {
            return list[^1];
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentName(name));
        return string.IsNullOrEmpty(fromEnvironment) ? fallback : fromEnvironment;
    }

    /// <summary>Every value of a repeatable option; the environment variable holds a comma-separated list.</summary>
    public IReadOnlyList<string> All(string name)
    {
        if (_values.TryGetValue(name, out var list))
        {
            return list;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentName(name));
        return string.IsNullOrEmpty(fromEnvironment)
            ? []
            : fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>A whole number at least <paramref name="minimum"/>.</summary>
    public long Integer(string name, long fallback, long minimum = 0)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < minimum)
        {
            throw new ArgumentException($"--{name} must be a whole number >= {minimum}, not '{text}'");
        }

        return value;
    }

    /// <summary>A finite number at least <paramref name="minimum"/>.</summary>
    public double Number(string name, double fallback, double minimum = 0)
    {
        var text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < minimum)
        {
            throw new ArgumentException($"--{name} must be a number >= {minimum.ToString(CultureInfo.InvariantCulture)}, not '{text}'");
        }

        return value;
    }

    /// <summary>A duration such as <c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> (a bare number is seconds); null when absent.</summary>
    public TimeSpan? Duration(string name)
    {
        var text = Text(name);
        if (text is null)
        {
            return null;
        }

        return TryParseDuration(text, out var value) && value > TimeSpan.Zero
            ? value
            : throw new ArgumentException($"--{name} must be a positive duration such as 500ms, 30s, 2m or 1h, not '{text}'");
    }

    /// <summary>An absolute http(s) URL.</summary>
    public Uri Url(string name, string fallback)
    {
        var text = Text(name, fallback)!;
        return ParseUrl(name, text);
    }

    /// <summary>Parses an absolute http(s) URL or throws naming the option.</summary>
    public static Uri ParseUrl(string name, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new ArgumentException($"--{name} must be an absolute http:// or https:// URL, not '{text}'");

    private static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var (number, scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1.0),
            _ when text.EndsWith('m') => (text[..^1], 60.0),
            _ when text.EndsWith('h') => (text[..^1], 3600.0),
            _ => (text, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || !double.IsFinite(amount) || amount > 1e7)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(amount * scale);
        return true;
    }

    private string EnvironmentName(string name) => _environmentPrefix + name.Replace('-', '_').ToUpperInvariant();
}
