namespace Vigil.Server.Tests.Grafana;

/// <summary>How two answers to one request are compared (see the header of <c>grafana-requests.txt</c>).</summary>
internal enum CompareMode
{
    Values,
    Labels,
    Shape,
    Error,
    LimitSubset,
    VigilOnly,
}

/// <summary>One request of the list: what Grafana sends and how the two answers are compared.</summary>
internal sealed record GrafanaRequest(
    string Name,
    string Method,
    string Path,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<KeyValuePair<string, string>> UrlParameters,
    CompareMode Compare,
    int? ExpectStatus,
    string Note,
    IReadOnlyList<string> Known,
    int Line)
{
    /// <summary>Builds the HTTP request with placeholders expanded: parameters in the query string for GET, a form body for POST.</summary>
    public HttpRequestMessage ToHttpRequest(Func<string, string> expand)
    {
        var pairs = Parameters.Select(p => new KeyValuePair<string, string>(p.Key, expand(p.Value))).ToList();
        var url = UrlParameters.Select(p => new KeyValuePair<string, string>(p.Key, expand(p.Value))).ToList();
        if (Method == "POST")
        {
            return new HttpRequestMessage(HttpMethod.Post, Path.TrimStart('/') + QueryString(url)) { Content = new FormUrlEncodedContent(pairs) };
        }

        return new HttpRequestMessage(HttpMethod.Get, Path.TrimStart('/') + QueryString([.. url, .. pairs]));
    }

    /// <summary>The request as one readable line for failure messages.</summary>
    public string Describe(Func<string, string> expand) =>
        $"{Method} {Path}{QueryString(UrlParameters)} " + string.Join(" & ", Parameters.Select(p => $"{p.Key}={expand(p.Value)}")) + $" ({Name}, grafana-requests.txt:{Line})";

    private static string QueryString(IReadOnlyList<KeyValuePair<string, string>> pairs) =>
        pairs.Count == 0 ? string.Empty : "?" + string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
}

/// <summary>Parses <c>tests/Vigil.Server.Tests/Grafana/grafana-requests.txt</c>.</summary>
internal static class GrafanaRequestList
{
    /// <summary>The list's path relative to the repository root.</summary>
    public const string RelativePath = "tests/Vigil.Server.Tests/Grafana/grafana-requests.txt";

    /// <summary>Reads and parses the list from the repository.</summary>
    public static IReadOnlyList<GrafanaRequest> Load() =>
        Parse(File.ReadAllLines(System.IO.Path.Combine(Integration.VigilServerProcess.RepositoryRoot, RelativePath)));

    /// <summary>Parses the list; a malformed line fails with its line number.</summary>
    public static IReadOnlyList<GrafanaRequest> Parse(IReadOnlyList<string> lines)
    {
        var requests = new List<GrafanaRequest>();
        string? name = null;
        var startLine = 0;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new List<KeyValuePair<string, string>>();
        var urlParameters = new List<KeyValuePair<string, string>>();
        var known = new List<string>();

        void Flush()
        {
            if (name is null)
            {
                return;
            }

            string Field(string key) => fields.TryGetValue(key, out var value)
                ? value
                : throw new FormatException($"{RelativePath}:{startLine}: [{name}] has no '{key} = ...'");

            var method = Field("method");
            if (method is not ("GET" or "POST"))
            {
                throw new FormatException($"{RelativePath}:{startLine}: [{name}] method must be GET or POST, not '{method}'");
            }

            var compare = Field("compare") switch
            {
                "values" => CompareMode.Values,
                "labels" => CompareMode.Labels,
                "shape" => CompareMode.Shape,
                "error" => CompareMode.Error,
                "limit-subset" => CompareMode.LimitSubset,
                "vigil-only" => CompareMode.VigilOnly,
                var other => throw new FormatException($"{RelativePath}:{startLine}: [{name}] unknown compare '{other}'"),
            };
            int? expectStatus = fields.TryGetValue("expect_status", out var status) ? int.Parse(status, System.Globalization.CultureInfo.InvariantCulture) : null;
            if (compare == CompareMode.VigilOnly && expectStatus is null)
            {
                throw new FormatException($"{RelativePath}:{startLine}: [{name}] vigil-only needs expect_status");
            }

            requests.Add(new GrafanaRequest(name, method, Field("path"), parameters.ToList(), urlParameters.ToList(), compare, expectStatus, fields.GetValueOrDefault("note", string.Empty), known.ToList(), startLine));
            name = null;
            fields.Clear();
            parameters.Clear();
            urlParameters.Clear();
            known.Clear();
        }

        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                Flush();
                name = line[1..^1];
                startLine = i + 1;
                if (requests.Any(r => r.Name == name))
                {
                    throw new FormatException($"{RelativePath}:{i + 1}: duplicate request name [{name}]");
                }

                continue;
            }

            var equals = line.IndexOf(" = ", StringComparison.Ordinal);
            if (name is null || equals < 0)
            {
                throw new FormatException($"{RelativePath}:{i + 1}: expected '[name]' or 'key = value', got '{line}'");
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 3)..];
            if (key.StartsWith("param ", StringComparison.Ordinal))
            {
                parameters.Add(new(key["param ".Length..].Trim(), value));
            }
            else if (key.StartsWith("urlparam ", StringComparison.Ordinal))
            {
                urlParameters.Add(new(key["urlparam ".Length..].Trim(), value));
            }
            else if (key == "note" && fields.TryGetValue("note", out var earlier))
            {
                fields["note"] = earlier + " " + value;
            }
            else if (key == "known")
            {
                known.Add(value);
            }
            else if (key is "method" or "path" or "compare" or "note" or "expect_status")
            {
                fields[key] = value;
            }
            else
            {
                throw new FormatException($"{RelativePath}:{i + 1}: unknown key '{key}'");
            }
        }

        Flush();
        return requests;
    }
}
