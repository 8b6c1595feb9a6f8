using System.Globalization;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Scrape;

/// <summary>A target after relabeling: what it was discovered as, the labels its series carry, and where to scrape it.</summary>
/// <param name="DiscoveredLabels">Labels before relabeling (including <c>__</c> labels).</param>
/// <param name="Labels">Labels after relabeling, without <c>__</c> labels, with <c>instance</c> set.</param>
/// <param name="ScrapeUrl">The URL scraped.</param>
/// <param name="Interval">The interval (from <c>__scrape_interval__</c>).</param>
/// <param name="Timeout">The timeout (from <c>__scrape_timeout__</c>).</param>
public sealed record ScrapeTarget(LabelSet DiscoveredLabels, LabelSet Labels, Uri ScrapeUrl, TimeSpan Interval, TimeSpan Timeout);

/// <summary>
/// Prometheus's label rules for targets and samples: the target labels a discovered address starts with, target
/// relabeling, and how a scraped sample's labels combine with its target's (<c>honor_labels</c>,
/// <c>metric_relabel_configs</c>). Pure functions.
/// </summary>
public static class ScrapeLabels
{
    /// <summary>The address label.</summary>
    public const string Address = "__address__";

    /// <summary>The scheme label.</summary>
    public const string SchemeLabel = "__scheme__";

    /// <summary>The path label.</summary>
    public const string MetricsPathLabel = "__metrics_path__";

    /// <summary>The interval label.</summary>
    public const string ScrapeIntervalLabel = "__scrape_interval__";

    /// <summary>The timeout label.</summary>
    public const string ScrapeTimeoutLabel = "__scrape_timeout__";

    /// <summary>The prefix of URL parameter labels.</summary>
    public const string ParamPrefix = "__param_";

    /// <summary>The job label.</summary>
    public const string Job = "job";

    /// <summary>The instance label.</summary>
    public const string Instance = "instance";

    /// <summary>The prefix given to exposed labels that clash with target labels when <c>honor_labels</c> is false.</summary>
    public const string ExportedPrefix = "exported_";

    /// <summary>
    /// The labels a target starts with: the group's labels and <c>__address__</c>, then (where not already set)
    /// <c>job</c>, <c>__scheme__</c>, <c>__metrics_path__</c>, <c>__scrape_interval__</c>, <c>__scrape_timeout__</c>
    /// and <c>__param_&lt;name&gt;</c> (the first value of each parameter).
    /// </summary>
    public static Dictionary<string, string> Discovered(ScrapeConfig config, TargetGroup group, string address, IReadOnlyDictionary<string, string>? meta = null)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in group.Labels)
        {
            labels[name] = value;
        }

        foreach (var (name, value) in meta ?? new Dictionary<string, string>())
        {
            labels[name] = value;
        }

        labels[Address] = address;
        SetDefault(labels, Job, config.JobName);
        SetDefault(labels, ScrapeIntervalLabel, FormatDuration(config.ScrapeInterval));
        SetDefault(labels, ScrapeTimeoutLabel, FormatDuration(config.ScrapeTimeout));
        SetDefault(labels, MetricsPathLabel, config.MetricsPath);
        SetDefault(labels, SchemeLabel, config.Scheme);
        foreach (var (name, values) in config.Params)
        {
            if (values.Count > 0)
            {
                SetDefault(labels, ParamPrefix + name, values[0]);
            }
        }

        return labels;
    }

    /// <summary>
    /// Relabels a discovered target and finishes it as Prometheus does. Returns null with <paramref name="error"/>
    /// null when relabeling dropped it, or null with a reason when what is left cannot be scraped (no address,
    /// bad interval, timeout longer than the interval).
    /// </summary>
    public static ScrapeTarget? Populate(ScrapeConfig config, Dictionary<string, string> discovered, out string? error)
    {
        error = null;
        var discoveredSet = Relabeler.ToLabelSet(discovered);
        var labels = new Dictionary<string, string>(discovered, StringComparer.Ordinal);
        if (!Relabeler.Process(labels, config.RelabelConfigs))
        {
            return null;
        }

        if (!labels.TryGetValue(Address, out var address) || address.Length == 0)
        {
            error = "no address";
            return null;
        }

        if (address.Contains('/', StringComparison.Ordinal) || address.Contains('@', StringComparison.Ordinal))
        {
            error = $"\"{address}\" is not a valid hostname:port";
            return null;
        }

        var interval = ParseLabelDuration(labels, ScrapeIntervalLabel, config.ScrapeInterval, out var intervalError);
        var timeout = ParseLabelDuration(labels, ScrapeTimeoutLabel, config.ScrapeTimeout, out var timeoutError);
        if ((intervalError ?? timeoutError) is { } durationError)
        {
            error = durationError;
            return null;
        }

        if (interval <= TimeSpan.Zero || timeout <= TimeSpan.Zero)
        {
            error = "scrape interval and timeout must be positive";
            return null;
        }

        if (timeout > interval)
        {
            error = $"scrape timeout {FormatDuration(timeout)} greater than scrape interval {FormatDuration(interval)}";
            return null;
        }

        var scheme = labels.TryGetValue(SchemeLabel, out var s) && s.Length > 0 ? s : config.Scheme;
        if (scheme is not ("http" or "https"))
        {
            error = $"unsupported scheme \"{scheme}\"";
            return null;
        }

        var path = labels.TryGetValue(MetricsPathLabel, out var p) ? p : config.MetricsPath;
        // As Prometheus: the configured params, with each __param_<name> label replacing the first value; sorted by name.
        var parameters = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (param, values) in config.Params)
        {
            parameters[param] = [.. values];
        }

        foreach (var (name, value) in labels)
        {
            if (!name.StartsWith(ParamPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var param = name[ParamPrefix.Length..];
            if (parameters.TryGetValue(param, out var values) && values.Count > 0)
            {
                values[0] = value;
            }
            else
            {
                parameters[param] = [value];
            }
        }

        var query = parameters.SelectMany(kv => kv.Value.Select(v => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(v))).ToList();
        if (!Uri.TryCreate($"{scheme}://{address}{(path.StartsWith('/') ? path : "/" + path)}{(query.Count > 0 ? "?" + string.Join('&', query) : string.Empty)}", UriKind.Absolute, out var url))
        {
            error = $"cannot build a URL from address \"{address}\" and path \"{path}\"";
            return null;
        }

        var final = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            if (!name.StartsWith("__", StringComparison.Ordinal) && value.Length > 0)
            {
                final[name] = value;
            }
        }

        final.TryAdd(Instance, address);
        return new ScrapeTarget(discoveredSet, Relabeler.ToLabelSet(final), url, interval, timeout);
    }

    /// <summary>
    /// The labels one scraped sample is stored with: the target's labels merged as <c>honor_labels</c> says, then
    /// <c>metric_relabel_configs</c>. Null when metric relabeling dropped the sample.
    /// </summary>
    public static LabelSet? ForSample(LabelSet exposed, LabelSet target, bool honorLabels, IReadOnlyList<RelabelConfig> metricRelabel)
    {
        var labels = new Dictionary<string, string>(exposed.Count + target.Count, StringComparer.Ordinal);
        foreach (var label in exposed.Labels)
        {
            labels[label.Name] = label.Value;
        }

        if (honorLabels)
        {
            foreach (var label in target.Labels)
            {
                labels.TryAdd(label.Name, label.Value);
            }
        }
        else
        {
            List<Label>? conflicts = null;
            foreach (var label in target.Labels)
            {
                if (labels.TryGetValue(label.Name, out var existing) && existing.Length > 0)
                {
                    (conflicts ??= []).Add(new Label(label.Name, existing));
                }

                labels[label.Name] = label.Value;
            }

            foreach (var conflict in conflicts ?? [])
            {
                var name = ExportedPrefix + conflict.Name;
                while (labels.ContainsKey(name))
                {
                    name = ExportedPrefix + name;
                }

                labels[name] = conflict.Value;
            }
        }

        if (metricRelabel.Count > 0 && !Relabeler.Process(labels, metricRelabel))
        {
            return null;
        }

        return labels.Count == 0 ? null : Relabeler.ToLabelSet(labels);
    }

    /// <summary>Formats a duration as Prometheus does (<c>1m</c>, <c>15s</c>, <c>1m30s</c>, <c>500ms</c>).</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var ms = (long)duration.TotalMilliseconds;
        if (ms == 0)
        {
            return "0s";
        }

        var parts = new System.Text.StringBuilder();
        foreach (var (unit, size) in new (string, long)[] { ("y", 365L * 86_400_000), ("w", 7L * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1) })
        {
            if (ms >= size)
            {
                parts.Append((ms / size).ToString(CultureInfo.InvariantCulture)).Append(unit);
                ms %= size;
            }
        }

        return parts.ToString();
    }

    private static TimeSpan ParseLabelDuration(Dictionary<string, string> labels, string name, TimeSpan fallback, out string? error)
    {
        error = null;
        if (!labels.TryGetValue(name, out var text) || text.Length == 0)
        {
            return fallback;
        }

        if (!Time.DurationParser.TryParse(text, out var value, out var reason, allowBareSeconds: false))
        {
            error = $"{name} \"{text}\": {reason}";
            return fallback;
        }

        return value;
    }

    private static void SetDefault(Dictionary<string, string> labels, string name, string value)
    {
        if (!labels.TryGetValue(name, out var existing) || existing.Length == 0)
        {
            labels[name] = value;
        }
    }
}
