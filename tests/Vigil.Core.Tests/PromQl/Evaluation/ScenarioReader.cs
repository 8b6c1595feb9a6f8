using System.Globalization;
using System.Text;
using Vigil.Core.Telemetry;
using Vigil.Core.Time;

namespace Vigil.Core.Tests.PromQl.Evaluation;

/// <summary>One <c>eval</c> command of a scenario file with the data loaded before it.</summary>
internal sealed record EvalCase(
    string File,
    int Line,
    InMemorySeriesSource Source,
    string Query,
    bool Range,
    long Start,
    long End,
    long Step,
    bool Ordered,
    string? ExpectedError,
    IReadOnlyList<(LabelSet? Labels, double?[] Values)> Expected);

/// <summary>
/// Reads the subset of Prometheus's promqltest format the evaluator tests use: <c>clear</c>, <c>load &lt;step&gt;</c>
/// with series lines (<c>a+bxN</c>, <c>a-bxN</c>, <c>_</c>, <c>_xN</c>, <c>stale</c>), <c>eval[_ordered] instant at &lt;t&gt;</c>,
/// <c>eval range from &lt;t&gt; to &lt;t&gt; step &lt;d&gt;</c> and <c>eval_fail ...</c> with an optional <c>error &lt;text&gt;</c> line.
/// </summary>
internal static class ScenarioReader
{
    public static List<EvalCase> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var cases = new List<EvalCase>();
        var source = new InMemorySeriesSource();
        var name = Path.GetFileName(path);
        var i = 0;
        while (i < lines.Length)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                i++;
                continue;
            }

            if (line == "clear")
            {
                source = new InMemorySeriesSource();
                i++;
            }
            else if (line.StartsWith("load ", StringComparison.Ordinal))
            {
                var step = Duration(line[5..].Trim());
                i++;
                while (i < lines.Length && lines[i].StartsWith(' ') && lines[i].Trim().Length > 0)
                {
                    var (labels, rest) = ParseLabels(lines[i].Trim());
                    var values = ExpandValues(rest);
                    for (var k = 0; k < values.Count; k++)
                    {
                        if (values[k] is { } v)
                        {
                            source.Add(labels!, k * step, v);
                        }
                    }

                    i++;
                }
            }
            else if (line.StartsWith("eval", StringComparison.Ordinal))
            {
                var lineNumber = i + 1;
                var fail = line.StartsWith("eval_fail ", StringComparison.Ordinal);
                var ordered = line.StartsWith("eval_ordered ", StringComparison.Ordinal);
                var rest = line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..];
                bool range;
                long start, end, step;
                string query;
                if (rest.StartsWith("instant at ", StringComparison.Ordinal))
                {
                    rest = rest["instant at ".Length..];
                    var sp = rest.IndexOf(' ', StringComparison.Ordinal);
                    start = end = Duration(rest[..sp]);
                    step = 0;
                    query = rest[(sp + 1)..].Trim();
                    range = false;
                }
                else
                {
                    // range from <t> to <t> step <d> <query>
                    var parts = rest.Split(' ', 7);
                    start = Duration(parts[2]);
                    end = Duration(parts[4]);
                    step = Duration(parts[6].Split(' ', 2)[0]);
                    query = parts[6].Split(' ', 2)[1].Trim();
                    range = true;
                }

                i++;
                string? error = null;
                var expected = new List<(LabelSet?, double?[])>();
                while (i < lines.Length && lines[i].StartsWith(' ') && lines[i].Trim().Length > 0)
                {
                    var body = lines[i].Trim();
                    if (body.StartsWith("error ", StringComparison.Ordinal))
                    {
                        error = body["error ".Length..];
                    }
                    else if (body[0] is '{' || char.IsLetter(body[0]) && !body.StartsWith("NaN", StringComparison.Ordinal) && !body.StartsWith("Inf", StringComparison.Ordinal))
                    {
                        var (labels, values) = ParseLabels(body);
                        expected.Add((labels, ExpandValues(values).ToArray()));
                    }
                    else
                    {
                        expected.Add((null, ExpandValues(body).ToArray()));
                    }

                    i++;
                }

                cases.Add(new EvalCase(name, lineNumber, source, query, range, start, end, step, ordered, fail ? error ?? string.Empty : null, expected));
            }
            else
            {
                throw new FormatException($"{name}:{i + 1}: unknown command '{line}'");
            }
        }

        return cases;
    }

    private static long Duration(string text)
    {
        if (!DurationParser.TryParse(text, out var d, out var error))
        {
            throw new FormatException(error);
        }

        return (long)d.TotalMilliseconds;
    }

    /// <summary>Parses <c>name{a="b", c="d"} rest</c>; a line starting with a value has no labels.</summary>
    private static (LabelSet? Labels, string Remainder) ParseLabels(string text)
    {
        var labels = new List<Label>();
        var i = 0;
        while (i < text.Length && text[i] != '{' && text[i] != ' ')
        {
            i++;
        }

        if (i > 0)
        {
            labels.Add(new Label(LabelSet.MetricNameLabel, text[..i]));
        }

        if (i < text.Length && text[i] == '{')
        {
            i++;
            while (true)
            {
                while (text[i] is ' ' or ',')
                {
                    i++;
                }

                if (text[i] == '}')
                {
                    i++;
                    break;
                }

                var eq = text.IndexOf('=', i);
                var labelName = text[i..eq].Trim();
                i = eq + 2; // skip ="
                var sb = new StringBuilder();
                while (text[i] != '"')
                {
                    if (text[i] == '\\')
                    {
                        i++;
                        sb.Append(text[i] == 'n' ? '\n' : text[i]);
                    }
                    else
                    {
                        sb.Append(text[i]);
                    }

                    i++;
                }

                i++;
                labels.Add(new Label(labelName, sb.ToString()));
            }
        }

        return (LabelSet.From(labels), text[i..].Trim());
    }

    /// <summary>Expands <c>1 2 _ stale 0+10x3 _x2 5-1x2</c>; null is a missing sample.</summary>
    public static List<double?> ExpandValues(string text)
    {
        var result = new List<double?>();
        foreach (var token in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token == "_")
            {
                result.Add(null);
            }
            else if (token == "stale")
            {
                result.Add(BitConverter.Int64BitsToDouble(0x7ff0000000000002));
            }
            else if (token.StartsWith("_x", StringComparison.Ordinal))
            {
                var n = int.Parse(token[2..], CultureInfo.InvariantCulture);
                result.AddRange(Enumerable.Repeat<double?>(null, n));
            }
            else if (token.Contains('x', StringComparison.Ordinal))
            {
                var x = token.LastIndexOf('x');
                var n = int.Parse(token[(x + 1)..], CultureInfo.InvariantCulture);
                var body = token[..x];
                var op = body.IndexOfAny(['+', '-'], 1);
                double a, b;
                if (op < 0)
                {
                    a = Number(body);
                    b = 0;
                }
                else
                {
                    a = Number(body[..op]);
                    b = Number(body[(op + 1)..]) * (body[op] == '-' ? -1 : 1);
                }

                for (var k = 0; k <= n; k++)
                {
                    result.Add(a + (k * b));
                }
            }
            else
            {
                result.Add(Number(token));
            }
        }

        return result;
    }

    private static double Number(string s) => s switch
    {
        "NaN" => double.NaN,
        "Inf" or "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
