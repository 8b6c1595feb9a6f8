using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Core.Declarative;
using Vigil.Core.Time;
using YamlDotNet.RepresentationModel;
using Fields = System.Collections.Generic.Dictionary<string, (YamlDotNet.RepresentationModel.YamlScalarNode Key, YamlDotNet.RepresentationModel.YamlNode Value)>;

namespace Vigil.Core.Checks;

/// <summary>Reads one <c>Check</c> document, reporting every problem with its position.</summary>
internal sealed partial class CheckReader(YamlFields fields)
{
    private const int MaxLabels = 32;
    private const int MaxLabelValueLength = 256;
    private const int MaxLocations = 50;
    private const int MaxWindows = 20;
    private const int MaxRetries = 10;
    private const int MaxAssertions = 50;
    private const int MaxHeaders = 50;
    private const int MaxSteps = 50;
    private const int MaxVariables = 100;
    private const int MaxBodyLength = 64 * 1024;
    private const int MaxRedirectsLimit = 20;

    private static readonly string[] RootKeys = ["apiVersion", "kind", "metadata", "spec"];
    private static readonly string[] MetadataKeys = ["name", "labels"];
    private static readonly string[] TypeNames = ["http", "tcp", "dns", "tls", "grpc", "flow"];

    private static readonly string[] SpecKeys =
        ["type", "interval", "timeout", "retries", "locations", "quorum", "degradedAfter", "maintenance", .. TypeNames];

    private static readonly string[] RetryKeys = ["count", "backoff", "multiplier"];
    private static readonly string[] WindowKeys = ["from", "until", "days"];
    private static readonly string[] RequestKeys = ["url", "method", "headers", "body", "auth", "followRedirects", "maxRedirects", "tls", "assertions"];
    private static readonly string[] StepKeys = ["name", .. RequestKeys, "extract"];
    private static readonly string[] AuthKeys = ["basic", "bearer"];
    private static readonly string[] BasicKeys = ["username", "password"];
    private static readonly string[] TlsOptionKeys = ["insecureSkipVerify", "caFile", "serverName"];
    private static readonly string[] TcpKeys = ["host", "port", "send", "expect", "expectRegex"];
    private static readonly string[] DnsKeys = ["name", "recordType", "resolver", "contains", "equals", "expectNxdomain"];
    private static readonly string[] TlsKeys = ["host", "port", "serverName", "minDaysUntilExpiry", "warnDaysUntilExpiry", "requireValidChain", "requireHostnameMatch", "caFile"];
    private static readonly string[] GrpcKeys = ["address", "service", "tls", "insecureSkipVerify"];
    private static readonly string[] FlowKeys = ["variables", "setup", "steps", "teardown"];
    private static readonly string[] ExtractKeys = ["name", "jsonPath", "header", "regex", "group", "secret"];
    private static readonly string[] AssertionKeys = ["status", "header", "body", "jsonPath", "responseTime", "tlsDaysUntilExpiry", "soft"];
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private static readonly Dictionary<string, AssertionOperator> Operators = new(StringComparer.Ordinal)
    {
        ["equals"] = AssertionOperator.Equals,
        ["notEquals"] = AssertionOperator.NotEquals,
        ["in"] = AssertionOperator.In,
        ["range"] = AssertionOperator.Range,
        ["exists"] = AssertionOperator.Exists,
        ["contains"] = AssertionOperator.Contains,
        ["notContains"] = AssertionOperator.NotContains,
        ["matches"] = AssertionOperator.Matches,
        ["notMatches"] = AssertionOperator.NotMatches,
        ["lessThan"] = AssertionOperator.LessThan,
        ["greaterThan"] = AssertionOperator.GreaterThan,
    };

    private static readonly Dictionary<string, DayOfWeek> DayNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mon"] = DayOfWeek.Monday, ["monday"] = DayOfWeek.Monday,
        ["tue"] = DayOfWeek.Tuesday, ["tuesday"] = DayOfWeek.Tuesday,
        ["wed"] = DayOfWeek.Wednesday, ["wednesday"] = DayOfWeek.Wednesday,
        ["thu"] = DayOfWeek.Thursday, ["thursday"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday, ["friday"] = DayOfWeek.Friday,
        ["sat"] = DayOfWeek.Saturday, ["saturday"] = DayOfWeek.Saturday,
        ["sun"] = DayOfWeek.Sunday, ["sunday"] = DayOfWeek.Sunday,
    };

    public CheckDefinition? Read(YamlNode root)
    {
        if (fields.Mapping(root, string.Empty, RootKeys, RootKeys) is not { } top)
        {
            return null;
        }

        fields.Header(top, CheckYaml.Kind);

        string? name = null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (top.TryGetValue("metadata", out var metadata) && fields.Mapping(metadata.Value, "metadata", MetadataKeys, ["name"]) is { } meta)
        {
            if (meta.TryGetValue("name", out var nameNode))
            {
                name = Name(nameNode.Value, "metadata.name");
            }

            if (meta.TryGetValue("labels", out var labelsNode))
            {
                Labels(labelsNode.Value, labels);
            }
        }

        if (!top.TryGetValue("spec", out var specNode) || fields.Mapping(specNode.Value, "spec", SpecKeys, ["type"]) is not { } spec)
        {
            return null;
        }

        CheckType? type = null;
        string? typeName = null;
        if (spec.TryGetValue("type", out var typeNode) && fields.String(typeNode.Value, "spec.type") is { } t)
        {
            if (TypeNames.Contains(t, StringComparer.Ordinal))
            {
                typeName = t;
                type = Enum.Parse<CheckType>(t, ignoreCase: true);
            }
            else
            {
                var hint = t == "browser" ? "browser checks are not supported; " : string.Empty;
                fields.Error(typeNode.Value, "spec.type", $"unknown check type '{t}' ({hint}known: {string.Join(", ", TypeNames)})");
            }
        }

        foreach (var other in TypeNames)
        {
            if (other != typeName && spec.TryGetValue(other, out var section) && typeName is not null)
            {
                fields.Error(section.Key, "spec." + other, $"does not apply to a check of type {typeName}");
            }
        }

        var (interval, timeout) = Timing(spec);
        var retry = Retry(spec);
        var locations = Locations(spec);
        var quorum = locations.Count / 2 + 1;
        if (spec.TryGetValue("quorum", out var quorumNode) && fields.Integer(quorumNode.Value, "spec.quorum") is { } q)
        {
            if (q < 1 || q > locations.Count)
            {
                fields.Error(quorumNode.Value, "spec.quorum", $"{q} is out of range (1 <= quorum <= {locations.Count}, the number of locations)");
            }
            else
            {
                quorum = (int)q;
            }
        }

        TimeSpan? degradedAfter = null;
        if (spec.TryGetValue("degradedAfter", out var degradedNode) && fields.Duration(degradedNode.Value, "spec.degradedAfter") is { } d)
        {
            if (d <= TimeSpan.Zero || d >= timeout)
            {
                fields.Error(degradedNode.Value, "spec.degradedAfter", $"must be above 0 and below the timeout {DurationParser.Format(timeout)}");
            }
            else
            {
                degradedAfter = d;
            }
        }

        var windows = spec.TryGetValue("maintenance", out var maintenanceNode) ? Maintenance(maintenanceNode.Value) : [];
        CheckSpec? typeSpec = null;
        if (typeName is not null)
        {
            var path = "spec." + typeName;
            if (!spec.TryGetValue(typeName, out var section))
            {
                fields.Error(typeNode.Value, "spec", $"a check of type {typeName} needs a '{typeName}:' section");
            }
            else
            {
                typeSpec = type switch
                {
                    CheckType.Http => Http(section.Value, path),
                    CheckType.Tcp => Tcp(section.Value, path),
                    CheckType.Dns => Dns(section.Value, path),
                    CheckType.Tls => Tls(section.Value, path),
                    CheckType.Grpc => Grpc(section.Value, path),
                    _ => Flow(section.Value, path),
                };
            }
        }

        return name is null || type is null || typeSpec is null
            ? null
            : new CheckDefinition(name, type.Value, interval, timeout, retry, locations, quorum, degradedAfter, windows, labels, typeSpec);
    }

    private (TimeSpan Interval, TimeSpan Timeout) Timing(Fields spec)
    {
        var interval = CheckYaml.DefaultInterval;
        if (spec.TryGetValue("interval", out var intervalNode) && fields.Duration(intervalNode.Value, "spec.interval") is { } i)
        {
            if (i < CheckYaml.MinInterval || i > CheckYaml.MaxInterval)
            {
                fields.Error(intervalNode.Value, "spec.interval", $"must be between {DurationParser.Format(CheckYaml.MinInterval)} and {DurationParser.Format(CheckYaml.MaxInterval)}");
            }
            else
            {
                interval = i;
            }
        }

        var timeout = interval <= CheckYaml.DefaultTimeout ? TimeSpan.FromTicks(interval.Ticks * 4 / 5) : CheckYaml.DefaultTimeout;
        if (spec.TryGetValue("timeout", out var timeoutNode) && fields.Duration(timeoutNode.Value, "spec.timeout") is { } to)
        {
            if (to <= TimeSpan.Zero)
            {
                fields.Error(timeoutNode.Value, "spec.timeout", "must be above 0");
            }
            else if (to >= interval)
            {
                fields.Error(timeoutNode.Value, "spec.timeout", $"{DurationParser.Format(to)} must be shorter than the interval {DurationParser.Format(interval)}");
            }
            else
            {
                timeout = to;
            }
        }

        return (interval, timeout);
    }

    private RetryPolicy Retry(Fields spec)
    {
        if (!spec.TryGetValue("retries", out var node) || fields.Mapping(node.Value, "spec.retries", RetryKeys, []) is not { } retry)
        {
            return RetryPolicy.None;
        }

        var count = 0;
        if (retry.TryGetValue("count", out var countNode) && fields.Integer(countNode.Value, "spec.retries.count") is { } c)
        {
            if (c < 0 || c > MaxRetries)
            {
                fields.Error(countNode.Value, "spec.retries.count", $"{c} is out of range (0 to {MaxRetries})");
            }
            else
            {
                count = (int)c;
            }
        }

        var backoff = TimeSpan.FromSeconds(1);
        if (retry.TryGetValue("backoff", out var backoffNode) && fields.Duration(backoffNode.Value, "spec.retries.backoff") is { } b)
        {
            if (b > TimeSpan.FromMinutes(10))
            {
                fields.Error(backoffNode.Value, "spec.retries.backoff", "must be at most 10m");
            }
            else
            {
                backoff = b;
            }
        }

        var multiplier = 2.0;
        if (retry.TryGetValue("multiplier", out var multiplierNode) && fields.Number(multiplierNode.Value, "spec.retries.multiplier") is { } m)
        {
            if (m is < 1 or > 10)
            {
                fields.Error(multiplierNode.Value, "spec.retries.multiplier", $"{m.ToString(CultureInfo.InvariantCulture)} is out of range (1 to 10)");
            }
            else
            {
                multiplier = m;
            }
        }

        return new RetryPolicy(count, backoff, multiplier);
    }

    private List<string> Locations(Fields spec)
    {
        var locations = new List<string>();
        if (spec.TryGetValue("locations", out var node) && fields.Sequence(node.Value, "spec.locations") is { } items)
        {
            if (items.Count > MaxLocations)
            {
                fields.Error(node.Value, "spec.locations", $"at most {MaxLocations} locations");
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (Name(items[i], $"spec.locations[{i}]") is not { } location)
                {
                    continue;
                }

                if (locations.Contains(location, StringComparer.Ordinal))
                {
                    fields.Error(items[i], $"spec.locations[{i}]", $"location '{location}' is listed twice");
                }
                else
                {
                    locations.Add(location);
                }
            }
        }

        if (locations.Count == 0)
        {
            locations.Add(CheckDefinition.LocalLocation);
        }

        return locations;
    }

    private void Labels(YamlNode node, Dictionary<string, string> labels)
    {
        if (node is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        if (node is not YamlMappingNode mapping)
        {
            fields.Error(node, "metadata.labels", "expected a mapping of label names to values");
            return;
        }

        if (mapping.Children.Count > MaxLabels)
        {
            fields.Error(node, "metadata.labels", $"at most {MaxLabels} labels");
            return;
        }

        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } || !LabelName().IsMatch(key) || key.StartsWith("__", StringComparison.Ordinal))
            {
                fields.Error(keyNode, "metadata.labels", $"'{(keyNode as YamlScalarNode)?.Value}' is not a label name (letters, digits and '_', not starting with a digit or '__')");
                continue;
            }

            if (fields.String(valueNode, "metadata.labels." + key) is not { } value)
            {
                continue;
            }

            if (value.Length > MaxLabelValueLength)
            {
                fields.Error(valueNode, "metadata.labels." + key, $"at most {MaxLabelValueLength} characters");
                continue;
            }

            labels[key] = value;
        }
    }

    private List<MaintenanceWindow> Maintenance(YamlNode node)
    {
        var windows = new List<MaintenanceWindow>();
        if (fields.Sequence(node, "spec.maintenance") is not { } items)
        {
            return windows;
        }

        if (items.Count > MaxWindows)
        {
            fields.Error(node, "spec.maintenance", $"at most {MaxWindows} windows");
            return windows;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var path = $"spec.maintenance[{i}]";
            if (fields.Mapping(items[i], path, WindowKeys, ["from", "until"]) is not { } w || !w.TryGetValue("from", out var fromNode) || !w.TryGetValue("until", out var untilNode))
            {
                continue;
            }

            if (w.TryGetValue("days", out var daysNode))
            {
                var days = new List<DayOfWeek>();
                if (fields.Sequence(daysNode.Value, path + ".days") is { } dayItems)
                {
                    foreach (var item in dayItems)
                    {
                        if (fields.String(item, path + ".days") is not { } dayText)
                        {
                            continue;
                        }

                        if (!DayNames.TryGetValue(dayText, out var day))
                        {
                            fields.Error(item, path + ".days", $"'{dayText}' is not a day (mon, tue, wed, thu, fri, sat, sun)");
                        }
                        else if (!days.Contains(day))
                        {
                            days.Add(day);
                        }
                    }

                    if (dayItems.Count == 0)
                    {
                        fields.Error(daysNode.Value, path + ".days", "list at least one day");
                    }
                }

                var from = TimeOfDay(fromNode.Value, path + ".from");
                var until = TimeOfDay(untilNode.Value, path + ".until");
                if (from is { } f && until is { } u && f == u)
                {
                    fields.Error(untilNode.Value, path + ".until", "must differ from 'from'");
                }
                else if (from is not null && until is not null && days.Count > 0)
                {
                    windows.Add(new MaintenanceWindow(null, null, days, from, until));
                }
            }
            else
            {
                var from = Instant(fromNode.Value, path + ".from");
                var until = Instant(untilNode.Value, path + ".until");
                if (from is { } f && until is { } u)
                {
                    if (u <= f)
                    {
                        fields.Error(untilNode.Value, path + ".until", "must be after 'from'");
                    }
                    else
                    {
                        windows.Add(new MaintenanceWindow(f, u, [], null, null));
                    }
                }
            }
        }

        return windows;
    }

    private TimeOnly? TimeOfDay(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } text)
        {
            return null;
        }

        if (TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        fields.Error(node, path, $"'{text}' is not a time of day HH:mm (UTC) as in a weekly window");
        return null;
    }

    private DateTimeOffset? Instant(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } text)
        {
            return null;
        }

        if (text.Length >= 20 && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)
            && (text.EndsWith('Z') || text.EndsWith("z", StringComparison.Ordinal) || text[^6] is '+' or '-'))
        {
            return instant.ToUniversalTime();
        }

        fields.Error(node, path, $"'{text}' is not an RFC 3339 time with a zone (2026-05-01T02:00:00Z); a weekly window lists 'days' and times HH:mm");
        return null;
    }

    private HttpCheckSpec? Http(YamlNode node, string path) =>
        fields.Mapping(node, path, RequestKeys, ["url"]) is { } map ? Request(map, path, null) : null;

    private HttpCheckSpec? Request(Fields map, string path, HashSet<string>? variables)
    {
        var ok = true;
        string? url = null;
        if (map.TryGetValue("url", out var urlNode))
        {
            url = Url(urlNode.Value, path + ".url", variables);
            ok &= url is not null;
        }

        var method = "GET";
        if (map.TryGetValue("method", out var methodNode) && fields.String(methodNode.Value, path + ".method") is { } m)
        {
            method = m.ToUpperInvariant();
            if (!Methods.Contains(method, StringComparer.Ordinal))
            {
                fields.Error(methodNode.Value, path + ".method", $"unknown method '{m}' (known: {string.Join(", ", Methods)})");
                ok = false;
            }
        }

        var headers = new List<KeyValuePair<string, string>>();
        if (map.TryGetValue("headers", out var headersNode))
        {
            if (headersNode.Value is not YamlMappingNode headerMap)
            {
                fields.Error(headersNode.Value, path + ".headers", "expected a mapping of header names to values");
                ok = false;
            }
            else if (headerMap.Children.Count > MaxHeaders)
            {
                fields.Error(headersNode.Value, path + ".headers", $"at most {MaxHeaders} headers");
                ok = false;
            }
            else
            {
                foreach (var (keyNode, valueNode) in headerMap.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key } || !HeaderName().IsMatch(key))
                    {
                        fields.Error(keyNode, path + ".headers", $"'{(keyNode as YamlScalarNode)?.Value}' is not a header name");
                        ok = false;
                        continue;
                    }

                    if (Text(valueNode, $"{path}.headers.{key}", variables, allowEmpty: true) is { } value)
                    {
                        headers.Add(new(key, value));
                    }
                    else
                    {
                        ok = false;
                    }
                }
            }
        }

        string? body = null;
        if (map.TryGetValue("body", out var bodyNode))
        {
            body = Text(bodyNode.Value, path + ".body", variables, allowEmpty: true);
            ok &= body is not null;
            if (body is { Length: > MaxBodyLength })
            {
                fields.Error(bodyNode.Value, path + ".body", $"at most {MaxBodyLength / 1024} KiB");
                ok = false;
            }
        }

        HttpAuth? auth = null;
        if (map.TryGetValue("auth", out var authNode))
        {
            auth = Auth(authNode.Value, path + ".auth", variables);
            ok &= auth is not null;
        }

        var follow = map.TryGetValue("followRedirects", out var followNode) ? fields.Bool(followNode.Value, path + ".followRedirects") ?? true : true;
        var maxRedirects = 10;
        if (map.TryGetValue("maxRedirects", out var maxNode) && fields.Integer(maxNode.Value, path + ".maxRedirects") is { } mr)
        {
            if (mr is < 0 or > MaxRedirectsLimit)
            {
                fields.Error(maxNode.Value, path + ".maxRedirects", $"{mr} is out of range (0 to {MaxRedirectsLimit})");
                ok = false;
            }
            else
            {
                maxRedirects = (int)mr;
            }
        }

        var tls = TlsClientOptions.Default;
        if (map.TryGetValue("tls", out var tlsNode) && fields.Mapping(tlsNode.Value, path + ".tls", TlsOptionKeys, []) is { } tlsMap)
        {
            var skip = tlsMap.TryGetValue("insecureSkipVerify", out var skipNode) && (fields.Bool(skipNode.Value, path + ".tls.insecureSkipVerify") ?? false);
            var caFile = tlsMap.TryGetValue("caFile", out var caNode) ? fields.String(caNode.Value, path + ".tls.caFile") : null;
            var serverName = tlsMap.TryGetValue("serverName", out var snNode) ? Host(snNode.Value, path + ".tls.serverName") : null;
            tls = new TlsClientOptions(skip, caFile, serverName);
        }

        var assertions = map.TryGetValue("assertions", out var assertionsNode) ? Assertions(assertionsNode.Value, path + ".assertions") : [];
        return ok && url is not null && assertions is not null
            ? new HttpCheckSpec(url, method, headers, body, auth, follow, maxRedirects, tls, assertions)
            : null;
    }

    private HttpAuth? Auth(YamlNode node, string path, HashSet<string>? variables)
    {
        if (fields.Mapping(node, path, AuthKeys, []) is not { } map)
        {
            return null;
        }

        if (map.Count != 1)
        {
            fields.Error(node, path, "give exactly one of 'basic' or 'bearer'");
            return null;
        }

        if (map.TryGetValue("bearer", out var bearer))
        {
            return Text(bearer.Value, path + ".bearer", variables) is { } token ? new HttpAuth(null, null, token) : null;
        }

        if (fields.Mapping(map["basic"].Value, path + ".basic", BasicKeys, BasicKeys) is not { } basic
            || !basic.TryGetValue("username", out var user) || !basic.TryGetValue("password", out var password))
        {
            return null;
        }

        var u = Text(user.Value, path + ".basic.username", variables);
        var p = Text(password.Value, path + ".basic.password", variables, allowEmpty: true);
        if (u is not null && u.Contains(':', StringComparison.Ordinal))
        {
            fields.Error(user.Value, path + ".basic.username", "a basic auth user name cannot contain ':'");
            return null;
        }

        return u is null || p is null ? null : new HttpAuth(u, p, null);
    }

    private List<CheckAssertion>? Assertions(YamlNode node, string path)
    {
        if (fields.Sequence(node, path) is not { } items)
        {
            return null;
        }

        if (items.Count > MaxAssertions)
        {
            fields.Error(node, path, $"at most {MaxAssertions} assertions");
            return null;
        }

        var assertions = new List<CheckAssertion>();
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            if (Assertion(items[i], $"{path}[{i}]") is { } a)
            {
                assertions.Add(a);
            }
            else
            {
                ok = false;
            }
        }

        return ok ? assertions : null;
    }

    private CheckAssertion? Assertion(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, AssertionKeys, []) is not { } map)
        {
            return null;
        }

        var soft = map.TryGetValue("soft", out var softNode) && (fields.Bool(softNode.Value, path + ".soft") ?? false);
        var subjects = map.Keys.Where(k => k != "soft").ToList();
        if (subjects.Count != 1)
        {
            fields.Error(node, path, $"an assertion has exactly one of status, header, body, jsonPath, responseTime, tlsDaysUntilExpiry (found {(subjects.Count == 0 ? "none" : string.Join(", ", subjects))})");
            return null;
        }

        var key = subjects[0];
        var (_, value) = map[key];
        var sub = $"{path}.{key}";
        switch (key)
        {
            case "status" when value is YamlScalarNode:
                return StatusCode(value, sub) is { } code ? new CheckAssertion(AssertionSubject.Status, AssertionOperator.Equals, null, [code], soft) : null;
            case "status":
                return Operation(value, sub, AssertionSubject.Status, null, ["equals", "notEquals", "in", "range"], soft);
            case "header":
                return Operation(value, sub, AssertionSubject.Header, "name", ["equals", "notEquals", "in", "exists", "contains", "notContains", "matches", "notMatches"], soft);
            case "body" when value is YamlScalarNode:
                return fields.String(value, sub) is { } text ? new CheckAssertion(AssertionSubject.Body, AssertionOperator.Contains, null, [text], soft) : null;
            case "body":
                return Operation(value, sub, AssertionSubject.Body, null, ["equals", "contains", "notContains", "matches", "notMatches"], soft);
            case "jsonPath":
                return Operation(value, sub, AssertionSubject.JsonPath, "path", ["equals", "notEquals", "in", "exists", "contains", "notContains", "matches", "notMatches", "lessThan", "greaterThan"], soft);
            case "responseTime" when value is YamlScalarNode:
                return Millis(value, sub) is { } ms ? new CheckAssertion(AssertionSubject.ResponseTime, AssertionOperator.LessThan, null, [ms], soft) : null;
            case "responseTime":
                return Operation(value, sub, AssertionSubject.ResponseTime, null, ["lessThan"], soft);
            default:
                return Operation(value, sub, AssertionSubject.TlsDaysUntilExpiry, null, ["lessThan", "greaterThan", "range"], soft);
        }
    }

    // A mapping of one operator key (plus, for headers and JSON paths, the 'name' or 'path' key) with its expected value.
    private CheckAssertion? Operation(YamlNode node, string path, AssertionSubject subject, string? ownKey, string[] allowed, bool soft)
    {
        string[] own = ownKey is null ? [] : [ownKey];
        if (fields.Mapping(node, path, [.. own, .. allowed], own) is not { } map)
        {
            return null;
        }

        string? name = null;
        JsonPath? compiled = null;
        if (ownKey is not null)
        {
            if (!map.TryGetValue(ownKey, out var ownNode))
            {
                return null;
            }

            if (subject == AssertionSubject.JsonPath)
            {
                compiled = JsonPathOf(ownNode.Value, $"{path}.{ownKey}");
                name = compiled?.Text;
            }
            else
            {
                name = fields.String(ownNode.Value, $"{path}.{ownKey}");
            }

            if (name is null)
            {
                return null;
            }
        }

        var ops = map.Keys.Where(k => !own.Contains(k)).ToList();
        if (ops.Count != 1)
        {
            // An unknown key was reported already; say "exactly one" only when that is the whole problem.
            if (ops.Count > 1 || ((YamlMappingNode)node).Children.Count == map.Count)
            {
                fields.Error(node, path, $"give exactly one of {string.Join(", ", allowed)}");
            }

            return null;
        }

        var opName = ops[0];
        var (_, value) = map[opName];
        var op = Operators[opName];
        var vpath = $"{path}.{opName}";
        var numeric = subject is AssertionSubject.Status or AssertionSubject.TlsDaysUntilExpiry || (subject == AssertionSubject.JsonPath && op is AssertionOperator.LessThan or AssertionOperator.GreaterThan);
        CheckAssertion? result;
        switch (op)
        {
            case AssertionOperator.Exists:
                result = fields.Bool(value, vpath) is { } exists
                    ? new CheckAssertion(subject, exists ? AssertionOperator.Exists : AssertionOperator.NotExists, name, [], soft)
                    : null;
                break;
            case AssertionOperator.In:
                if (fields.Sequence(value, vpath) is not { } items)
                {
                    return null;
                }

                if (items.Count is 0 or > 100)
                {
                    fields.Error(value, vpath, "list 1 to 100 values");
                    return null;
                }

                var values = items.Select((item, i) => Expected(item, $"{vpath}[{i}]", subject, numeric)).ToList();
                result = values.Any(v => v is null) ? null : new CheckAssertion(subject, op, name, [.. values!], soft);
                break;
            case AssertionOperator.Range:
                var range = Range(value, vpath, subject);
                result = range is null ? null : new CheckAssertion(subject, op, name, range, soft);
                break;
            case AssertionOperator.Matches or AssertionOperator.NotMatches:
                result = fields.String(value, vpath) is { } pattern && Regex(value, vpath, pattern) is { } regex
                    ? new CheckAssertion(subject, op, name, [pattern], soft) { Pattern = regex }
                    : null;
                break;
            case AssertionOperator.LessThan or AssertionOperator.GreaterThan when subject == AssertionSubject.ResponseTime:
                result = Millis(value, vpath) is { } ms ? new CheckAssertion(subject, op, name, [ms], soft) : null;
                break;
            default:
                result = Expected(value, vpath, subject, numeric) is { } expected ? new CheckAssertion(subject, op, name, [expected], soft) : null;
                break;
        }

        return result is not null && compiled is not null ? result with { Path = compiled } : result;
    }

    private string? Expected(YamlNode node, string path, AssertionSubject subject, bool numeric)
    {
        if (subject == AssertionSubject.Status)
        {
            return StatusCode(node, path);
        }

        if (numeric)
        {
            return fields.Number(node, path) is { } n ? n.ToString("R", CultureInfo.InvariantCulture) : null;
        }

        return fields.String(node, path, allowEmpty: true);
    }

    private List<string>? Range(YamlNode node, string path, AssertionSubject subject)
    {
        if (fields.Sequence(node, path) is not { } items)
        {
            return null;
        }

        if (items.Count != 2)
        {
            fields.Error(node, path, "a range is a list of two numbers, lowest first: [200, 299]");
            return null;
        }

        var low = Expected(items[0], path + "[0]", subject, true);
        var high = Expected(items[1], path + "[1]", subject, true);
        if (low is null || high is null)
        {
            return null;
        }

        if (double.Parse(low, CultureInfo.InvariantCulture) > double.Parse(high, CultureInfo.InvariantCulture))
        {
            fields.Error(node, path, $"the range {low}..{high} is empty (lowest first)");
            return null;
        }

        return [low, high];
    }

    private string? StatusCode(YamlNode node, string path)
    {
        if (fields.Integer(node, path) is not { } code)
        {
            return null;
        }

        if (code is < 100 or > 599)
        {
            fields.Error(node, path, $"{code} is not an HTTP status (100 to 599)");
            return null;
        }

        return code.ToString(CultureInfo.InvariantCulture);
    }

    private string? Millis(YamlNode node, string path)
    {
        if (fields.Duration(node, path) is not { } d)
        {
            return null;
        }

        if (d <= TimeSpan.Zero)
        {
            fields.Error(node, path, "must be above 0");
            return null;
        }

        return d.TotalMilliseconds.ToString("R", CultureInfo.InvariantCulture);
    }

    private Regex? Regex(YamlNode node, string path, string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, CheckYaml.RegexTimeout);
        }
        catch (ArgumentException e)
        {
            fields.Error(node, path, $"invalid regular expression /{pattern}/: {e.Message}");
            return null;
        }
    }

    private JsonPath? JsonPathOf(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } text)
        {
            return null;
        }

        if (JsonPath.TryParse(text, out var compiled, out var error))
        {
            return compiled;
        }

        fields.Error(node, path, $"invalid JSON path '{text}': {error}");
        return null;
    }

    private string? Url(YamlNode node, string path, HashSet<string>? variables)
    {
        if (Text(node, path, variables) is not { } url)
        {
            return null;
        }

        // A URL that starts with a reference is only known at run time; otherwise references stand for plain text.
        if (url.StartsWith("{{", StringComparison.Ordinal) || url.StartsWith("${", StringComparison.Ordinal))
        {
            return url;
        }

        var probe = CheckTemplates.HasReferences(url) ? ReferencePattern().Replace(url, "x") : url;
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
        {
            fields.Error(node, path, $"'{url}' is not an absolute http:// or https:// URL");
            return null;
        }

        return url;
    }

    private string? Text(YamlNode node, string path, HashSet<string>? variables, bool allowEmpty = false)
    {
        if (fields.String(node, path, allowEmpty) is not { } text)
        {
            return null;
        }

        if (!CheckTemplates.TryValidate(text, variables, out var error))
        {
            fields.Error(node, path, error);
            return null;
        }

        return text;
    }

    private string? Host(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } host)
        {
            return null;
        }

        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            fields.Error(node, path, $"'{host}' is not a host name or address");
            return null;
        }

        return host;
    }

    private int? Port(Fields map, string key, string path, int? fallback)
    {
        if (!map.TryGetValue(key, out var node))
        {
            return fallback;
        }

        if (fields.Integer(node.Value, path) is not { } port)
        {
            return null;
        }

        if (port is < 1 or > 65535)
        {
            fields.Error(node.Value, path, $"{port} is not a port (1 to 65535)");
            return null;
        }

        return (int)port;
    }

    private (string Host, int Port)? HostPort(YamlNode node, string path, int? defaultPort)
    {
        if (fields.String(node, path) is not { } text)
        {
            return null;
        }

        var colon = text.LastIndexOf(':');
        var bracketed = text.StartsWith('[');
        string host;
        var port = defaultPort;
        if (colon > 0 && (!bracketed || text[colon - 1] == ']') && text.Count(c => c == ':') == 1 || (bracketed && colon > 0 && text[colon - 1] == ']'))
        {
            host = text[..colon].Trim('[', ']');
            port = int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 65535 ? p : -1;
        }
        else
        {
            host = text.Trim('[', ']');
        }

        if (port is null or -1 || host.Length == 0 || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            fields.Error(node, path, defaultPort is null ? $"'{text}' is not host:port" : $"'{text}' is not host or host:port");
            return null;
        }

        return (host, port.Value);
    }

    private TcpCheckSpec? Tcp(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, TcpKeys, ["host", "port"]) is not { } map || !map.TryGetValue("host", out var hostNode))
        {
            return null;
        }

        var host = Host(hostNode.Value, path + ".host");
        var port = Port(map, "port", path + ".port", null);
        var send = map.TryGetValue("send", out var sendNode) ? Text(sendNode.Value, path + ".send", null) : null;
        var expect = map.TryGetValue("expect", out var expectNode) ? fields.String(expectNode.Value, path + ".expect") : null;
        Regex? pattern = null;
        if (map.TryGetValue("expectRegex", out var regexNode) && fields.String(regexNode.Value, path + ".expectRegex") is { } r)
        {
            pattern = Regex(regexNode.Value, path + ".expectRegex", r);
            if (pattern is null)
            {
                return null;
            }
        }

        if ((sendNode.Value is not null && send is null) || (expectNode.Value is not null && expect is null))
        {
            return null;
        }

        return host is null || port is null ? null : new TcpCheckSpec(host, port.Value, send, expect, pattern);
    }

    private DnsCheckSpec? Dns(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, DnsKeys, ["name"]) is not { } map || !map.TryGetValue("name", out var nameNode))
        {
            return null;
        }

        var ok = true;
        var name = fields.String(nameNode.Value, path + ".name");
        if (name is not null && (name.Length > 253 || Uri.CheckHostName(name.TrimEnd('.')) != UriHostNameType.Dns && !name.StartsWith('_')))
        {
            fields.Error(nameNode.Value, path + ".name", $"'{name}' is not a DNS name");
            ok = false;
        }

        var recordType = DnsRecordType.A;
        if (map.TryGetValue("recordType", out var typeNode) && fields.String(typeNode.Value, path + ".recordType") is { } rt)
        {
            if (!Enum.TryParse(rt, ignoreCase: true, out recordType) || int.TryParse(rt, CultureInfo.InvariantCulture, out _))
            {
                fields.Error(typeNode.Value, path + ".recordType", $"unknown record type '{rt}' (known: {string.Join(", ", Enum.GetNames<DnsRecordType>())})");
                ok = false;
            }
        }

        string? resolverHost = null;
        var resolverPort = 53;
        if (map.TryGetValue("resolver", out var resolverNode))
        {
            if (HostPort(resolverNode.Value, path + ".resolver", 53) is { } hp)
            {
                (resolverHost, resolverPort) = hp;
            }
            else
            {
                ok = false;
            }
        }

        var contains = map.TryGetValue("contains", out var containsNode) ? Answers(containsNode.Value, path + ".contains") : [];
        var equalsSet = map.TryGetValue("equals", out var equalsNode) ? Answers(equalsNode.Value, path + ".equals") : null;
        var nx = map.TryGetValue("expectNxdomain", out var nxNode) && (fields.Bool(nxNode.Value, path + ".expectNxdomain") ?? false);
        if (nx && (containsNode.Value is not null || equalsNode.Value is not null))
        {
            fields.Error(nxNode.Value, path + ".expectNxdomain", "cannot be combined with 'contains' or 'equals'");
            ok = false;
        }

        return ok && name is not null && contains is not null && (equalsNode.Value is null || equalsSet is not null)
            ? new DnsCheckSpec(name.TrimEnd('.'), recordType, resolverHost, resolverPort, contains, equalsSet, nx)
            : null;
    }

    private List<string>? Answers(YamlNode node, string path)
    {
        if (fields.Sequence(node, path) is not { } items)
        {
            return null;
        }

        if (items.Count > 100)
        {
            fields.Error(node, path, "at most 100 answers");
            return null;
        }

        var answers = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            if (fields.String(items[i], $"{path}[{i}]") is { } answer)
            {
                answers.Add(answer);
            }
        }

        return answers.Count == items.Count ? answers : null;
    }

    private TlsCheckSpec? Tls(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, TlsKeys, ["host"]) is not { } map || !map.TryGetValue("host", out var hostNode))
        {
            return null;
        }

        var host = Host(hostNode.Value, path + ".host");
        var port = Port(map, "port", path + ".port", 443);
        var serverName = map.TryGetValue("serverName", out var snNode) ? Host(snNode.Value, path + ".serverName") : null;
        var min = Days(map, "minDaysUntilExpiry", path, 7);
        var warn = Days(map, "warnDaysUntilExpiry", path, Math.Max(30, min ?? 0));
        if (min is { } mn && warn is { } wn && wn < mn)
        {
            fields.Error(map["warnDaysUntilExpiry"].Value, path + ".warnDaysUntilExpiry", $"{wn} is below minDaysUntilExpiry {mn}");
            return null;
        }

        var chain = !map.TryGetValue("requireValidChain", out var chainNode) || (fields.Bool(chainNode.Value, path + ".requireValidChain") ?? true);
        var hostMatch = !map.TryGetValue("requireHostnameMatch", out var matchNode) || (fields.Bool(matchNode.Value, path + ".requireHostnameMatch") ?? true);
        var caFile = map.TryGetValue("caFile", out var caNode) ? fields.String(caNode.Value, path + ".caFile") : null;
        return host is null || port is null || min is null || warn is null || (snNode.Value is not null && serverName is null)
            ? null
            : new TlsCheckSpec(host, port.Value, serverName, min.Value, warn.Value, chain, hostMatch, caFile);
    }

    private int? Days(Fields map, string key, string path, int fallback)
    {
        if (!map.TryGetValue(key, out var node))
        {
            return fallback;
        }

        if (fields.Integer(node.Value, $"{path}.{key}") is not { } days)
        {
            return null;
        }

        if (days is < 0 or > 3650)
        {
            fields.Error(node.Value, $"{path}.{key}", $"{days} is out of range (0 to 3650)");
            return null;
        }

        return (int)days;
    }

    private GrpcCheckSpec? Grpc(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, GrpcKeys, ["address"]) is not { } map || !map.TryGetValue("address", out var addressNode))
        {
            return null;
        }

        var address = HostPort(addressNode.Value, path + ".address", null);
        var service = map.TryGetValue("service", out var serviceNode) ? fields.String(serviceNode.Value, path + ".service", allowEmpty: true) ?? string.Empty : string.Empty;
        var tls = map.TryGetValue("tls", out var tlsNode) && (fields.Bool(tlsNode.Value, path + ".tls") ?? false);
        var skip = map.TryGetValue("insecureSkipVerify", out var skipNode) && (fields.Bool(skipNode.Value, path + ".insecureSkipVerify") ?? false);
        return address is { } a ? new GrpcCheckSpec(a.Host.Contains(':', StringComparison.Ordinal) ? $"[{a.Host}]:{a.Port}" : $"{a.Host}:{a.Port}", service, tls, skip) : null;
    }

    private FlowCheckSpec? Flow(YamlNode node, string path)
    {
        if (fields.Mapping(node, path, FlowKeys, ["steps"]) is not { } map)
        {
            return null;
        }

        var ok = true;
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var known = new HashSet<string>(StringComparer.Ordinal);
        if (map.TryGetValue("variables", out var varsNode))
        {
            if (varsNode.Value is not YamlMappingNode varMap || varMap.Children.Count > MaxVariables)
            {
                fields.Error(varsNode.Value, path + ".variables", $"expected a mapping of at most {MaxVariables} variable names to values");
                ok = false;
            }
            else
            {
                foreach (var (keyNode, valueNode) in varMap.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key } || !CheckTemplates.IsVariableName(key))
                    {
                        fields.Error(keyNode, path + ".variables", $"'{(keyNode as YamlScalarNode)?.Value}' is not a variable name (letters, digits and '_', not starting with a digit)");
                        ok = false;
                        continue;
                    }

                    if (Text(valueNode, $"{path}.variables.{key}", null, allowEmpty: true) is { } value)
                    {
                        variables[key] = value;
                        known.Add(key);
                    }
                    else
                    {
                        ok = false;
                    }
                }
            }
        }

        var setup = map.TryGetValue("setup", out var setupNode) ? Steps(setupNode.Value, path + ".setup", known, allowEmpty: true) : [];
        var steps = map.TryGetValue("steps", out var stepsNode) ? Steps(stepsNode.Value, path + ".steps", known, allowEmpty: false) : null;
        var teardown = map.TryGetValue("teardown", out var teardownNode) ? Steps(teardownNode.Value, path + ".teardown", known, allowEmpty: true) : [];
        return ok && setup is not null && steps is not null && teardown is not null ? new FlowCheckSpec(variables, setup, steps, teardown) : null;
    }

    private List<FlowStep>? Steps(YamlNode node, string path, HashSet<string> known, bool allowEmpty)
    {
        if (fields.Sequence(node, path) is not { } items)
        {
            return null;
        }

        if (items.Count == 0 && !allowEmpty)
        {
            fields.Error(node, path, "a flow needs at least one step");
            return null;
        }

        if (items.Count > MaxSteps)
        {
            fields.Error(node, path, $"at most {MaxSteps} steps");
            return null;
        }

        var steps = new List<FlowStep>();
        var ok = true;
        for (var i = 0; i < items.Count; i++)
        {
            var stepPath = $"{path}[{i}]";
            if (fields.Mapping(items[i], stepPath, StepKeys, ["name", "url"]) is not { } map || !map.TryGetValue("name", out var nameNode))
            {
                ok = false;
                continue;
            }

            var name = fields.String(nameNode.Value, stepPath + ".name");
            if (name is not null && steps.Any(s => s.Name == name))
            {
                fields.Error(nameNode.Value, stepPath + ".name", $"step '{name}' is named twice");
            }

            var request = Request(map, stepPath, known);
            var extract = map.TryGetValue("extract", out var extractNode) ? Extractions(extractNode.Value, stepPath + ".extract", known) : [];
            if (name is null || request is null || extract is null)
            {
                ok = false;
                continue;
            }

            steps.Add(new FlowStep(name, request, extract));
        }

        return ok ? steps : null;
    }

    private List<FlowExtraction>? Extractions(YamlNode node, string path, HashSet<string> known)
    {
        if (fields.Sequence(node, path) is not { } items)
        {
            return null;
        }

        var result = new List<FlowExtraction>();
        var ok = true;
        for (var i = 0; i < items.Count && i < MaxVariables; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (fields.Mapping(items[i], itemPath, ExtractKeys, ["name"]) is not { } map || !map.TryGetValue("name", out var nameNode)
                || fields.String(nameNode.Value, itemPath + ".name") is not { } name)
            {
                ok = false;
                continue;
            }

            if (!CheckTemplates.IsVariableName(name))
            {
                fields.Error(nameNode.Value, itemPath + ".name", $"'{name}' is not a variable name (letters, digits and '_', not starting with a digit)");
                ok = false;
                continue;
            }

            var sources = new[] { "jsonPath", "header", "regex" }.Where(map.ContainsKey).ToList();
            if (sources.Count != 1)
            {
                fields.Error(items[i], itemPath, "give exactly one of jsonPath, header or regex");
                ok = false;
                continue;
            }

            var (_, value) = map[sources[0]];
            var group = 1;
            if (map.TryGetValue("group", out var groupNode))
            {
                if (sources[0] != "regex")
                {
                    fields.Error(groupNode.Key, itemPath + ".group", "applies only to regex");
                    ok = false;
                }
                else if (fields.Integer(groupNode.Value, itemPath + ".group") is { } g and >= 0 and <= 99)
                {
                    group = (int)g;
                }
                else
                {
                    fields.Error(groupNode.Value, itemPath + ".group", "a group number from 0 to 99");
                    ok = false;
                }
            }

            var sourcePath = $"{itemPath}.{sources[0]}";
            FlowExtraction? extraction = null;
            switch (sources[0])
            {
                case "jsonPath":
                    if (JsonPathOf(value, sourcePath) is { } jp)
                    {
                        extraction = new FlowExtraction(name, ExtractionSource.JsonPath, jp.Text, 0) { Path = jp };
                    }

                    break;
                case "header":
                    if (fields.String(value, sourcePath) is { } header)
                    {
                        extraction = new FlowExtraction(name, ExtractionSource.Header, header, 0);
                    }

                    break;
                default:
                    if (fields.String(value, sourcePath) is { } pattern && Regex(value, sourcePath, pattern) is { } regex)
                    {
                        if (group > regex.GetGroupNumbers().Max())
                        {
                            fields.Error(value, sourcePath, $"/{pattern}/ has no group {group}");
                        }
                        else
                        {
                            extraction = new FlowExtraction(name, ExtractionSource.Regex, pattern, group) { Pattern = regex };
                        }
                    }

                    break;
            }

            if (extraction is null)
            {
                ok = false;
                continue;
            }

            if (map.TryGetValue("secret", out var secretNode))
            {
                if (fields.Bool(secretNode.Value, itemPath + ".secret") is not { } secret)
                {
                    ok = false;
                    continue;
                }

                extraction = extraction with { Secret = secret };
            }

            known.Add(name);
            result.Add(extraction);
        }

        return ok ? result : null;
    }

    private string? Name(YamlNode node, string path)
    {
        if (fields.String(node, path) is not { } name)
        {
            return null;
        }

        if (!NamePattern().IsMatch(name))
        {
            fields.Error(node, path, $"'{name}' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            return null;
        }

        return name;
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    [GeneratedRegex("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderName();

    [GeneratedRegex(@"\$\{[^}]*\}|\{\{[^}]*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex ReferencePattern();
}
