using System.Globalization;
using Vigil.Core.Scrape;
using Vigil.Core.Time;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Vigil.Server.Scrape;

/// <summary>
/// Reads the top-level <c>scrape_configs</c> list of <c>vigil.yaml</c> in Prometheus's snake_case schema, so a
/// Prometheus user can paste theirs. Every problem is reported as <c>file:line:col: path: reason</c>, all at once;
/// unknown fields are errors. Relative file names (<c>password_file</c>, <c>file_sd_configs</c>) are resolved
/// against the configuration file's folder, as Prometheus does.
/// </summary>
internal sealed class ScrapeConfigReader
{
    /// <summary>The top-level key.</summary>
    public const string Key = "scrape_configs";

    private static readonly string[] JobFields =
    [
        "job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params", "honor_labels", "honor_timestamps",
        "sample_limit", "basic_auth", "authorization", "bearer_token", "bearer_token_file", "static_configs", "file_sd_configs",
        "relabel_configs", "metric_relabel_configs",
    ];

    private static readonly string[] RelabelFields = ["source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"];

    private readonly string _path;
    private readonly string _directory;
    private readonly List<string> _errors;

    private ScrapeConfigReader(string path, List<string> errors)
    {
        _path = path;
        _directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        _errors = errors;
    }

    /// <summary>
    /// Reads <c>scrape_configs</c> from a configuration file. A missing file or key yields none; YAML syntax errors
    /// are left to the main configuration reader, which reports them already.
    /// </summary>
    public static IReadOnlyList<ScrapeConfig> ReadFile(string path, List<string> errors)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        YamlStream stream;
        try
        {
            using var reader = new StreamReader(path);
            stream = new YamlStream();
            stream.Load(reader);
        }
        catch (Exception ex) when (ex is YamlException or IOException)
        {
            return [];
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return [];
        }

        foreach (var (key, value) in root.Children)
        {
            if (key is YamlScalarNode { Value: Key })
            {
                return new ScrapeConfigReader(path, errors).ReadList(value);
            }
        }

        return [];
    }

    private IReadOnlyList<ScrapeConfig> ReadList(YamlNode node)
    {
        if (node is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node, Key, "expected a list of scrape configurations");
            return [];
        }

        var configs = new List<ScrapeConfig>();
        var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var path = $"{Key}[{i}]";
            var config = ReadJob(item, path);
            if (config is null)
            {
                continue;
            }

            if (seen.TryGetValue(config.JobName, out var first))
            {
                Error(item, path + ".job_name", $"found multiple scrape configs with job name \"{config.JobName}\" (first at line {first.Start.Line})");
                continue;
            }

            seen[config.JobName] = item;
            configs.Add(config);
        }

        return configs;
    }

    private ScrapeConfig? ReadJob(YamlNode node, string path)
    {
        if (!Fields(node, path, JobFields, out var fields))
        {
            return null;
        }

        var errorsBefore = _errors.Count;
        string? jobName = null;
        if (fields.TryGetValue("job_name", out var jobNode))
        {
            jobName = String(jobNode, path + ".job_name");
            if (jobName is { Length: 0 })
            {
                Error(jobNode, path + ".job_name", "must not be empty");
            }
        }
        else
        {
            Error(node, path, "job_name is required");
        }

        var interval = fields.TryGetValue("scrape_interval", out var intervalNode) ? Duration(intervalNode, path + ".scrape_interval") : null;
        var timeout = fields.TryGetValue("scrape_timeout", out var timeoutNode) ? Duration(timeoutNode, path + ".scrape_timeout") : null;
        var effectiveInterval = interval ?? ScrapeConfig.DefaultScrapeInterval;
        if (interval is { } iv && iv <= TimeSpan.Zero)
        {
            Error(intervalNode!, path + ".scrape_interval", "must be positive");
        }

        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            Error(timeoutNode!, path + ".scrape_timeout", "must be positive");
        }

        if (timeout is { } explicitTimeout && explicitTimeout > effectiveInterval)
        {
            Error(timeoutNode!, path + ".scrape_timeout", $"scrape timeout {ScrapeLabels.FormatDuration(explicitTimeout)} greater than scrape interval {ScrapeLabels.FormatDuration(effectiveInterval)}");
        }

        // As Prometheus: an unset timeout is the global default, capped at the interval.
        var effectiveTimeout = timeout ?? (ScrapeConfig.DefaultScrapeTimeout > effectiveInterval ? effectiveInterval : ScrapeConfig.DefaultScrapeTimeout);

        var metricsPath = "/metrics";
        if (fields.TryGetValue("metrics_path", out var pathNode) && String(pathNode, path + ".metrics_path") is { } mp)
        {
            if (mp.Length == 0 || mp.Contains('?', StringComparison.Ordinal))
            {
                Error(pathNode, path + ".metrics_path", "must be a non-empty path without a query (use params)");
            }

            metricsPath = mp;
        }

        var scheme = "http";
        if (fields.TryGetValue("scheme", out var schemeNode) && String(schemeNode, path + ".scheme") is { } sc)
        {
            if (sc is not ("http" or "https"))
            {
                Error(schemeNode, path + ".scheme", $"must be http or https, not \"{sc}\"");
            }

            scheme = sc;
        }

        var parameters = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (fields.TryGetValue("params", out var paramsNode))
        {
            if (paramsNode is YamlMappingNode paramsMap)
            {
                foreach (var (k, v) in paramsMap.Children)
                {
                    var name = ((YamlScalarNode)k).Value ?? string.Empty;
                    if (StringList(v, $"{path}.params.{name}") is { } values)
                    {
                        parameters[name] = values;
                    }
                }
            }
            else
            {
                Error(paramsNode, path + ".params", "expected a mapping of parameter names to lists of values");
            }
        }

        var honorLabels = fields.TryGetValue("honor_labels", out var hl) && (Bool(hl, path + ".honor_labels") ?? false);
        var honorTimestamps = !fields.TryGetValue("honor_timestamps", out var ht) || (Bool(ht, path + ".honor_timestamps") ?? true);
        var sampleLimit = 0;
        if (fields.TryGetValue("sample_limit", out var limitNode) && Integer(limitNode, path + ".sample_limit") is { } limit)
        {
            if (limit < 0)
            {
                Error(limitNode, path + ".sample_limit", "must not be negative (0 means no limit)");
            }

            sampleLimit = (int)Math.Clamp(limit, 0, int.MaxValue);
        }

        var basicAuth = fields.TryGetValue("basic_auth", out var basicNode) ? ReadBasicAuth(basicNode, path + ".basic_auth") : null;
        var authorization = ReadAuthorization(fields, path);
        if (basicAuth is not null && authorization is not null)
        {
            Error(basicNode!, path, "at most one of basic_auth, authorization and bearer_token/bearer_token_file may be configured");
        }

        var staticConfigs = new List<TargetGroup>();
        if (fields.TryGetValue("static_configs", out var staticNode) && Sequence(staticNode, path + ".static_configs") is { } staticItems)
        {
            for (var i = 0; i < staticItems.Count; i++)
            {
                if (ReadTargetGroup(staticItems[i], $"{path}.static_configs[{i}]", $"{Key}/{jobName}/{i}") is { } group)
                {
                    staticConfigs.Add(group);
                }
            }
        }

        var fileSd = new List<FileSdConfig>();
        if (fields.TryGetValue("file_sd_configs", out var fileSdNode) && Sequence(fileSdNode, path + ".file_sd_configs") is { } fileSdItems)
        {
            for (var i = 0; i < fileSdItems.Count; i++)
            {
                if (ReadFileSd(fileSdItems[i], $"{path}.file_sd_configs[{i}]") is { } sd)
                {
                    fileSd.Add(sd);
                }
            }
        }

        var relabel = fields.TryGetValue("relabel_configs", out var relabelNode) ? ReadRelabel(relabelNode, path + ".relabel_configs") : [];
        var metricRelabel = fields.TryGetValue("metric_relabel_configs", out var metricRelabelNode) ? ReadRelabel(metricRelabelNode, path + ".metric_relabel_configs") : [];

        if (_errors.Count > errorsBefore || jobName is null)
        {
            return null;
        }

        return new ScrapeConfig
        {
            JobName = jobName,
            ScrapeInterval = effectiveInterval,
            ScrapeTimeout = effectiveTimeout,
            MetricsPath = metricsPath,
            Scheme = scheme,
            Params = parameters,
            HonorLabels = honorLabels,
            HonorTimestamps = honorTimestamps,
            SampleLimit = sampleLimit,
            BasicAuth = basicAuth,
            Authorization = authorization,
            StaticConfigs = staticConfigs,
            FileSdConfigs = fileSd,
            RelabelConfigs = relabel,
            MetricRelabelConfigs = metricRelabel,
        };
    }

    private BasicAuth? ReadBasicAuth(YamlNode node, string path)
    {
        if (!Fields(node, path, ["username", "password", "password_file"], out var fields))
        {
            return null;
        }

        var username = fields.TryGetValue("username", out var u) ? String(u, path + ".username") ?? string.Empty : string.Empty;
        var password = fields.TryGetValue("password", out var p) ? String(p, path + ".password") : null;
        var passwordFile = fields.TryGetValue("password_file", out var pf) ? String(pf, path + ".password_file") : null;
        if (password is not null && passwordFile is not null)
        {
            Error(node, path, "at most one of password and password_file may be configured");
        }

        return new BasicAuth(username, password, passwordFile is null ? null : Resolve(passwordFile));
    }

    private AuthorizationCredentials? ReadAuthorization(Dictionary<string, YamlNode> fields, string path)
    {
        var hasAuthorization = fields.TryGetValue("authorization", out var authNode);
        var bearer = fields.TryGetValue("bearer_token", out var bt) ? String(bt, path + ".bearer_token") : null;
        var bearerFile = fields.TryGetValue("bearer_token_file", out var btf) ? String(btf, path + ".bearer_token_file") : null;
        if (bearer is not null && bearerFile is not null)
        {
            Error(btf!, path, "at most one of bearer_token and bearer_token_file may be configured");
        }

        if (hasAuthorization && (bearer is not null || bearerFile is not null))
        {
            Error(authNode!, path, "authorization is not compatible with bearer_token and bearer_token_file");
        }

        if (bearer is not null || bearerFile is not null)
        {
            return new AuthorizationCredentials("Bearer", bearer, bearerFile is null ? null : Resolve(bearerFile));
        }

        if (!hasAuthorization)
        {
            return null;
        }

        var authPath = path + ".authorization";
        if (!Fields(authNode!, authPath, ["type", "credentials", "credentials_file"], out var auth))
        {
            return null;
        }

        var type = auth.TryGetValue("type", out var typeNode) ? String(typeNode, authPath + ".type") ?? "Bearer" : "Bearer";
        if (type.Length == 0)
        {
            type = "Bearer";
        }

        if (string.Equals(type, "basic", StringComparison.OrdinalIgnoreCase))
        {
            Error(typeNode!, authPath + ".type", "authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
        }

        var credentials = auth.TryGetValue("credentials", out var c) ? String(c, authPath + ".credentials") : null;
        var credentialsFile = auth.TryGetValue("credentials_file", out var cf) ? String(cf, authPath + ".credentials_file") : null;
        if (credentials is not null && credentialsFile is not null)
        {
            Error(authNode!, authPath, "at most one of credentials and credentials_file may be configured");
        }

        return new AuthorizationCredentials(type, credentials, credentialsFile is null ? null : Resolve(credentialsFile));
    }

    private TargetGroup? ReadTargetGroup(YamlNode node, string path, string source)
    {
        if (!Fields(node, path, ["targets", "labels"], out var fields))
        {
            return null;
        }

        var targets = fields.TryGetValue("targets", out var targetsNode) ? StringList(targetsNode, path + ".targets") ?? [] : [];
        foreach (var target in targets)
        {
            if (!IsValidAddress(target, out var reason))
            {
                Error(targetsNode!, path + ".targets", reason);
            }
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (fields.TryGetValue("labels", out var labelsNode))
        {
            if (labelsNode is YamlMappingNode map)
            {
                foreach (var (k, v) in map.Children)
                {
                    var name = ((YamlScalarNode)k).Value ?? string.Empty;
                    if (!RelabelConfig.IsValidLabelName(name))
                    {
                        Error(k, $"{path}.labels", $"\"{name}\" is not a valid label name");
                        continue;
                    }

                    if (String(v, $"{path}.labels.{name}") is { } value)
                    {
                        labels[name] = value;
                    }
                }
            }
            else if (labelsNode is not YamlScalarNode { Value: null or "" })
            {
                Error(labelsNode, path + ".labels", "expected a mapping of label names to values");
            }
        }

        return new TargetGroup(targets, labels, source);
    }

    private FileSdConfig? ReadFileSd(YamlNode node, string path)
    {
        if (!Fields(node, path, ["files", "refresh_interval"], out var fields))
        {
            return null;
        }

        var files = fields.TryGetValue("files", out var filesNode) ? StringList(filesNode, path + ".files") ?? [] : [];
        if (files.Count == 0)
        {
            Error(node, path + ".files", "at least one file pattern is required");
        }

        foreach (var file in files)
        {
            if (!FileSdWatcher.HasValidExtension(file))
            {
                Error(filesNode!, path + ".files", $"path name \"{file}\" is not valid for file discovery: it must end in .json, .yml or .yaml");
            }
            else if (Path.GetDirectoryName(file) is { } dir && (dir.Contains('*', StringComparison.Ordinal) || dir.Contains('?', StringComparison.Ordinal) || dir.Contains('[', StringComparison.Ordinal)))
            {
                Error(filesNode!, path + ".files", $"\"{file}\": wildcards are supported only in the file name, not in folders");
            }
        }

        var refresh = FileSdConfig.DefaultRefreshInterval;
        if (fields.TryGetValue("refresh_interval", out var refreshNode) && Duration(refreshNode, path + ".refresh_interval") is { } r)
        {
            if (r <= TimeSpan.Zero)
            {
                Error(refreshNode, path + ".refresh_interval", "must be positive");
            }

            refresh = r;
        }

        return new FileSdConfig(files.Select(Resolve).ToList(), refresh);
    }

    private List<RelabelConfig> ReadRelabel(YamlNode node, string path)
    {
        var result = new List<RelabelConfig>();
        if (Sequence(node, path) is not { } items)
        {
            return result;
        }

        for (var i = 0; i < items.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (!Fields(items[i], itemPath, RelabelFields, out var fields))
            {
                continue;
            }

            var action = RelabelAction.Replace;
            if (fields.TryGetValue("action", out var actionNode) && String(actionNode, itemPath + ".action") is { } actionText &&
                !RelabelConfig.TryParseAction(actionText, out action))
            {
                Error(actionNode, itemPath + ".action", $"unknown relabel action \"{actionText}\" (known: replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase)");
                continue;
            }

            var sources = fields.TryGetValue("source_labels", out var sourcesNode) ? StringList(sourcesNode, itemPath + ".source_labels") : null;
            var separator = fields.TryGetValue("separator", out var sepNode) ? String(sepNode, itemPath + ".separator") : null;
            var target = fields.TryGetValue("target_label", out var targetNode) ? String(targetNode, itemPath + ".target_label") : null;
            var regex = fields.TryGetValue("regex", out var regexNode) ? String(regexNode, itemPath + ".regex") : null;
            var replacement = fields.TryGetValue("replacement", out var replacementNode) ? String(replacementNode, itemPath + ".replacement") : null;
            ulong? modulus = null;
            if (fields.TryGetValue("modulus", out var modulusNode) && Integer(modulusNode, itemPath + ".modulus") is { } m)
            {
                if (m < 0)
                {
                    Error(modulusNode, itemPath + ".modulus", "must not be negative");
                }
                else
                {
                    modulus = (ulong)m;
                }
            }

            var config = RelabelConfig.TryCreate(action, sources, separator, target, regex, modulus, replacement, out var problems);
            foreach (var problem in problems)
            {
                // Point at the field the problem is about where one is obvious.
                var at = problem.Contains("regex", StringComparison.Ordinal) && regexNode is not null ? regexNode
                    : problem.Contains("target_label", StringComparison.Ordinal) && targetNode is not null ? targetNode
                    : problem.Contains("source_labels", StringComparison.Ordinal) && sourcesNode is not null ? sourcesNode
                    : items[i];
                Error(at, itemPath, problem);
            }

            if (config is not null)
            {
                result.Add(config);
            }
        }

        return result;
    }

    /// <summary>True when <paramref name="address"/> is a plain <c>host:port</c> (no scheme, path or user info).</summary>
    internal static bool IsValidAddress(string address, out string reason)
    {
        reason = string.Empty;
        if (address.Length == 0 || address.Contains('/', StringComparison.Ordinal) || address.Contains('@', StringComparison.Ordinal) ||
            address.Any(char.IsWhiteSpace))
        {
            reason = $"\"{address}\" is not a valid target address (expected host:port, without scheme or path)";
            return false;
        }

        return true;
    }

    private string Resolve(string file) => Path.IsPathRooted(file) ? file : Path.GetFullPath(Path.Combine(_directory, file));

    private bool Fields(YamlNode node, string path, string[] known, out Dictionary<string, YamlNode> fields)
    {
        fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (node is not YamlMappingNode mapping)
        {
            Error(node, path, "expected a mapping");
            return false;
        }

        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? string.Empty;
            if (Array.IndexOf(known, key) < 0)
            {
                Error(keyNode, $"{path}.{key}", $"unknown field (known: {string.Join(", ", known)})");
                continue;
            }

            if (!fields.TryAdd(key, value))
            {
                Error(keyNode, $"{path}.{key}", "field given twice");
            }
        }

        return true;
    }

    private string? String(YamlNode node, string path)
    {
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? string.Empty;
        }

        Error(node, path, "expected a single value");
        return null;
    }

    private bool? Bool(YamlNode node, string path)
    {
        var text = String(node, path);
        switch (text)
        {
            case null: return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            default:
                Error(node, path, $"expected true or false, not \"{text}\"");
                return null;
        }
    }

    private long? Integer(YamlNode node, string path)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        Error(node, path, $"expected an integer, not \"{text}\"");
        return null;
    }

    private TimeSpan? Duration(YamlNode node, string path)
    {
        var text = String(node, path);
        if (text is null)
        {
            return null;
        }

        if (DurationParser.TryParse(text, out var value, out var reason, allowBareSeconds: false))
        {
            return value;
        }

        Error(node, path, $"not a valid duration string: \"{text}\" ({reason})");
        return null;
    }

    private IReadOnlyList<YamlNode>? Sequence(YamlNode node, string path)
    {
        if (node is YamlSequenceNode sequence)
        {
            return [.. sequence.Children];
        }

        if (node is YamlScalarNode { Value: null or "" })
        {
            return [];
        }

        Error(node, path, "expected a list");
        return null;
    }

    private List<string>? StringList(YamlNode node, string path)
    {
        if (Sequence(node, path) is not { } items)
        {
            return null;
        }

        var result = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (String(items[i], $"{path}[{i}]") is { } value)
            {
                result.Add(value);
            }
        }

        return result;
    }

    private void Error(YamlNode node, string path, string reason) =>
        _errors.Add($"{_path}:{node.Start.Line}:{node.Start.Column}: {path}: {reason}");
}
