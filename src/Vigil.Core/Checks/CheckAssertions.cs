using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.Core.Checks;

/// <summary>What an HTTP response looked like, as the assertions see it. The body is decoded and parsed lazily, once.</summary>
internal sealed class HttpResponseView(int status, IReadOnlyList<KeyValuePair<string, string>> headers, ReadOnlyMemory<byte> body, bool bodyTruncated, TimeSpan elapsed, double? tlsDaysUntilExpiry) : IDisposable
{
    private string? _text;
    private JsonDocument? _json;
    private string? _jsonError;

    public int Status { get; } = status;

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; } = headers;

    public ReadOnlyMemory<byte> Body { get; } = body;

    public bool BodyTruncated { get; } = bodyTruncated;

    public TimeSpan Elapsed { get; } = elapsed;

    public double? TlsDaysUntilExpiry { get; } = tlsDaysUntilExpiry;

    public string Text => _text ??= Encoding.UTF8.GetString(Body.Span);

    /// <summary>All values of a header (case-insensitive name) joined by ", ", or null when absent.</summary>
    public string? Header(string name)
    {
        string? joined = null;
        foreach (var (key, value) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                joined = joined is null ? value : $"{joined}, {value}";
            }
        }

        return joined;
    }

    /// <summary>The body as JSON, or null with <paramref name="error"/> saying why it is not.</summary>
    public JsonElement? Json(out string? error)
    {
        if (_json is null && _jsonError is null)
        {
            try
            {
                _json = JsonDocument.Parse(Body);
            }
            catch (JsonException e)
            {
                _jsonError = BodyTruncated ? $"the body was cut at {Runners.HttpRunner.MaxBodyBytes / 1024} KiB and is not whole JSON" : $"the response is not JSON ({e.Message})";
            }
        }

        error = _jsonError;
        return _json?.RootElement;
    }

    public void Dispose() => _json?.Dispose();
}

/// <summary>Judges assertions against a response, with readable reasons.</summary>
internal static class CheckAssertions
{
    private const int MaxActualLength = 200;

    /// <summary>The status assertion used when a request lists none: a 2xx status.</summary>
    public static readonly CheckAssertion DefaultStatus = new(AssertionSubject.Status, AssertionOperator.Range, null, ["200", "299"], Soft: false);

    public static List<AssertionResult> Evaluate(IReadOnlyList<CheckAssertion> assertions, HttpResponseView response)
    {
        var results = new List<AssertionResult>(assertions.Count + 1);
        if (!assertions.Any(a => a.Subject == AssertionSubject.Status))
        {
            results.Add(Evaluate(DefaultStatus, response));
        }

        foreach (var assertion in assertions)
        {
            results.Add(Evaluate(assertion, response));
        }

        return results;
    }

    public static AssertionResult Evaluate(CheckAssertion assertion, HttpResponseView response)
    {
        var description = Describe(assertion);
        try
        {
            var (passed, actual, reason) = assertion.Subject switch
            {
                AssertionSubject.Status => Status(assertion, response.Status),
                AssertionSubject.Header => Header(assertion, response.Header(assertion.Name!)),
                AssertionSubject.Body => Body(assertion, response.Text),
                AssertionSubject.JsonPath => JsonPathValue(assertion, response),
                AssertionSubject.ResponseTime => ResponseTime(assertion, response.Elapsed),
                AssertionSubject.TlsDaysUntilExpiry => TlsDays(assertion, response.TlsDaysUntilExpiry),
                _ => (false, null, $"unknown assertion {assertion.Subject}"),
            };
            return new AssertionResult(description, passed, assertion.Soft, Truncate(actual), passed ? null : reason);
        }
        catch (RegexMatchTimeoutException)
        {
            return new AssertionResult(description, false, assertion.Soft, null, $"/{assertion.Pattern}/ took too long to match (more than {CheckYaml.RegexTimeout.TotalMilliseconds} ms)");
        }
    }

    /// <summary>A readable form of the assertion: <c>status == 200</c>, <c>$.id exists</c>, <c>body matches /ok\d+/</c>.</summary>
    public static string Describe(CheckAssertion a)
    {
        var subject = a.Subject switch
        {
            AssertionSubject.Status => "status",
            AssertionSubject.Header => $"header {a.Name}",
            AssertionSubject.Body => "body",
            AssertionSubject.JsonPath => a.Name!,
            AssertionSubject.ResponseTime => "response time (ms)",
            _ => "TLS days until expiry",
        };
        return $"{subject} {Expectation(a)}";
    }

    private static string Expectation(CheckAssertion a) => a.Operator switch
    {
        AssertionOperator.Equals => $"== {Quote(a, a.Values[0])}",
        AssertionOperator.NotEquals => $"!= {Quote(a, a.Values[0])}",
        AssertionOperator.In => $"in [{string.Join(", ", a.Values.Select(v => Quote(a, v)))}]",
        AssertionOperator.Range => $"in {a.Values[0]}..{a.Values[1]}",
        AssertionOperator.Exists => "exists",
        AssertionOperator.NotExists => "does not exist",
        AssertionOperator.Contains => $"contains {Quote(a, a.Values[0])}",
        AssertionOperator.NotContains => $"does not contain {Quote(a, a.Values[0])}",
        AssertionOperator.Matches => $"matches /{a.Values[0]}/",
        AssertionOperator.NotMatches => $"does not match /{a.Values[0]}/",
        AssertionOperator.LessThan => $"< {a.Values[0]}",
        _ => $"> {a.Values[0]}",
    };

    private static string Quote(CheckAssertion a, string value) =>
        a.Subject is AssertionSubject.Status or AssertionSubject.ResponseTime or AssertionSubject.TlsDaysUntilExpiry ? value : $"\"{value}\"";

    private static (bool, string?, string?) Status(CheckAssertion a, int status)
    {
        var actual = status.ToString(CultureInfo.InvariantCulture);
        var passed = Compare(a, actual, status);
        return (passed, actual, $"status was {status}, expected {Wanted(a)}");
    }

    private static (bool, string?, string?) ResponseTime(CheckAssertion a, TimeSpan elapsed)
    {
        var ms = Math.Round(elapsed.TotalMilliseconds);
        var actual = ms.ToString(CultureInfo.InvariantCulture);
        return (Compare(a, actual, ms), actual, $"response time was {actual} ms, expected {Wanted(a)} ms");
    }

    private static (bool, string?, string?) TlsDays(CheckAssertion a, double? days)
    {
        if (days is not { } d)
        {
            return (false, null, "no TLS certificate (the response did not come over https)");
        }

        var whole = Math.Floor(d);
        var actual = whole.ToString(CultureInfo.InvariantCulture);
        return (Compare(a, actual, whole), actual, $"the certificate expires in {actual} days, expected {Wanted(a)}");
    }

    private static (bool, string?, string?) Header(CheckAssertion a, string? value)
    {
        var name = a.Name;
        return a.Operator switch
        {
            AssertionOperator.Exists => (value is not null, value, $"header {name} is missing"),
            AssertionOperator.NotExists => (value is null, value, $"header {name} is present (\"{Truncate(value)}\")"),
            _ when value is null => (false, null, $"header {name} is missing"),
            AssertionOperator.Equals => (value == a.Values[0], value, $"header {name} was \"{Truncate(value)}\", expected \"{a.Values[0]}\""),
            AssertionOperator.NotEquals => (value != a.Values[0], value, $"header {name} was \"{Truncate(value)}\", expected anything else"),
            AssertionOperator.In => (a.Values.Contains(value, StringComparer.Ordinal), value, $"header {name} was \"{Truncate(value)}\", expected one of {string.Join(", ", a.Values.Select(v => $"\"{v}\""))}"),
            AssertionOperator.Contains => (value.Contains(a.Values[0], StringComparison.Ordinal), value, $"header {name} \"{Truncate(value)}\" does not contain \"{a.Values[0]}\""),
            AssertionOperator.NotContains => (!value.Contains(a.Values[0], StringComparison.Ordinal), value, $"header {name} \"{Truncate(value)}\" contains \"{a.Values[0]}\""),
            AssertionOperator.Matches => (a.Pattern!.IsMatch(value), value, $"header {name} \"{Truncate(value)}\" does not match /{a.Values[0]}/"),
            AssertionOperator.NotMatches => (!a.Pattern!.IsMatch(value), value, $"header {name} \"{Truncate(value)}\" matches /{a.Values[0]}/"),
            _ => Numeric(a, value, $"header {name}"),
        };
    }

    private static (bool, string?, string?) Body(CheckAssertion a, string body) => a.Operator switch
    {
        AssertionOperator.Contains => (body.Contains(a.Values[0], StringComparison.Ordinal), null, $"body does not contain \"{a.Values[0]}\""),
        AssertionOperator.NotContains => (!body.Contains(a.Values[0], StringComparison.Ordinal), null, $"body contains \"{a.Values[0]}\""),
        AssertionOperator.Matches => (a.Pattern!.IsMatch(body), null, $"body does not match /{a.Values[0]}/"),
        AssertionOperator.NotMatches => (!a.Pattern!.IsMatch(body), null, $"body matches /{a.Values[0]}/"),
        AssertionOperator.Equals => (body == a.Values[0], body, $"body was \"{Truncate(body)}\", expected \"{a.Values[0]}\""),
        _ => (false, null, $"body does not support {a.Operator}"),
    };

    private static (bool, string?, string?) JsonPathValue(CheckAssertion a, HttpResponseView response)
    {
        var path = a.Name!;
        if (response.Json(out var error) is not { } root)
        {
            return (false, null, $"{path}: {error}");
        }

        var values = a.Path!.Evaluate(root);
        if (a.Operator == AssertionOperator.NotExists)
        {
            return values.Count == 0 ? (true, null, null) : (false, JsonPath.Format(values[0]), $"{path} exists (was {Shown(values[0])})");
        }

        if (values.Count == 0)
        {
            return (false, null, $"{path}: no such path in the response");
        }

        var actual = values.Count == 1 ? JsonPath.Format(values[0]) : $"[{string.Join(", ", values.Take(10).Select(Shown))}]";
        var shown = values.Count == 1 ? Shown(values[0]) : actual;
        switch (a.Operator)
        {
            case AssertionOperator.Exists:
                return (true, actual, null);
            case AssertionOperator.NotEquals:
                return (!values.Any(v => JsonEquals(v, a.Values[0])), actual, $"{path} was {shown}, expected anything but {a.Values[0]}");
            case AssertionOperator.Equals:
                return (values.Any(v => JsonEquals(v, a.Values[0])), actual, $"{path} was {shown}, expected {a.Values[0]}");
            case AssertionOperator.In:
                return (values.Any(v => a.Values.Any(e => JsonEquals(v, e))), actual, $"{path} was {shown}, expected one of {string.Join(", ", a.Values)}");
            case AssertionOperator.Contains:
                return (values.Any(v => JsonContains(v, a.Values[0])), actual, $"{path} {shown} does not contain {a.Values[0]}");
            case AssertionOperator.NotContains:
                return (!values.Any(v => JsonContains(v, a.Values[0])), actual, $"{path} {shown} contains {a.Values[0]}");
            case AssertionOperator.Matches:
                return (values.Any(v => a.Pattern!.IsMatch(JsonPath.Format(v))), actual, $"{path} {shown} does not match /{a.Values[0]}/");
            case AssertionOperator.NotMatches:
                return (!values.Any(v => a.Pattern!.IsMatch(JsonPath.Format(v))), actual, $"{path} {shown} matches /{a.Values[0]}/");
            default:
                foreach (var value in values)
                {
                    if (value.ValueKind == JsonValueKind.Number && Compare(a, value.GetRawText(), value.GetDouble()))
                    {
                        return (true, actual, null);
                    }
                }

                return values.Any(v => v.ValueKind == JsonValueKind.Number)
                    ? (false, actual, $"{path} was {shown}, expected {Wanted(a)}")
                    : (false, actual, $"{path} was {shown}, not a number");
        }
    }

    private static (bool, string?, string?) Numeric(CheckAssertion a, string value, string subject) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? (Compare(a, value, number), value, $"{subject} was {value}, expected {Wanted(a)}")
            : (false, value, $"{subject} was \"{Truncate(value)}\", not a number");

    private static bool Compare(CheckAssertion a, string text, double number) => a.Operator switch
    {
        AssertionOperator.Equals => NumberOrText(a.Values[0], text, number),
        AssertionOperator.NotEquals => !NumberOrText(a.Values[0], text, number),
        AssertionOperator.In => a.Values.Any(v => NumberOrText(v, text, number)),
        AssertionOperator.Range => number >= Number(a.Values[0]) && number <= Number(a.Values[1]),
        AssertionOperator.LessThan => number < Number(a.Values[0]),
        AssertionOperator.GreaterThan => number > Number(a.Values[0]),
        AssertionOperator.Matches => a.Pattern!.IsMatch(text),
        AssertionOperator.NotMatches => !a.Pattern!.IsMatch(text),
        AssertionOperator.Contains => text.Contains(a.Values[0], StringComparison.Ordinal),
        AssertionOperator.NotContains => !text.Contains(a.Values[0], StringComparison.Ordinal),
        _ => false,
    };

    private static string Wanted(CheckAssertion a) => a.Operator switch
    {
        AssertionOperator.Equals => a.Values[0],
        AssertionOperator.NotEquals => $"anything but {a.Values[0]}",
        AssertionOperator.In => $"one of {string.Join(", ", a.Values)}",
        AssertionOperator.Range => $"{a.Values[0]}..{a.Values[1]}",
        AssertionOperator.LessThan => $"< {a.Values[0]}",
        AssertionOperator.GreaterThan => $"> {a.Values[0]}",
        AssertionOperator.Matches => $"to match /{a.Values[0]}/",
        AssertionOperator.NotMatches => $"not to match /{a.Values[0]}/",
        AssertionOperator.Contains => $"to contain {a.Values[0]}",
        AssertionOperator.NotContains => $"not to contain {a.Values[0]}",
        _ => a.Operator.ToString(),
    };

    private static bool NumberOrText(string expected, string text, double number) =>
        double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) ? e == number : expected == text;

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Whether a JSON value equals the expected text: numbers numerically, strings exactly, true/false/null by name.</summary>
    public static bool JsonEquals(JsonElement value, string expected) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() == expected,
        JsonValueKind.Number => double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e) ? value.GetDouble() == e : value.GetRawText() == expected,
        JsonValueKind.True => expected == "true",
        JsonValueKind.False => expected == "false",
        JsonValueKind.Null => expected == "null",
        _ => value.GetRawText() == expected,
    };

    private static bool JsonContains(JsonElement value, string expected) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!.Contains(expected, StringComparison.Ordinal),
        JsonValueKind.Array => value.EnumerateArray().Any(item => JsonEquals(item, expected)),
        JsonValueKind.Object => value.TryGetProperty(expected, out _),
        _ => false,
    };

    private static string Shown(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? $"\"{Truncate(value.GetString())}\"" : Truncate(value.GetRawText())!;

    public static string? Truncate(string? text) =>
        text is null || text.Length <= MaxActualLength ? text : string.Concat(text.AsSpan(0, MaxActualLength), "...");
}
