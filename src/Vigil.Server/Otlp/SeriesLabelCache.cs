using System.Collections.Concurrent;
using Google.Protobuf.Collections;
using Vigil.Core.Telemetry;
using Vigil.Core.Telemetry.Intake;
using Vigil.Server.Otlp.Protos.Common;
using Vigil.Server.Otlp.Protos.Resource;

namespace Vigil.Server.Otlp;

/// <summary>
/// The labels a resource puts on every series: <c>job</c>, <c>instance</c> and the four promoted labels; and its
/// <c>target_info</c> series, which carries every other resource attribute (the Prometheus convention: join on job and
/// instance to query them).
/// </summary>
internal sealed class ResourceInfo(long id, Label[] labels, LabelSet? targetInfo)
{
    /// <summary>Unique per cached resource; part of its series' cache keys.</summary>
    public long Id { get; } = id;

    /// <summary>The labels from the resource, non-empty values only.</summary>
    public Label[] Labels { get; } = labels;

    /// <summary>The <c>target_info</c> series, or null when the resource has no attribute beyond the identifying ones.</summary>
    public LabelSet? TargetInfo { get; } = targetInfo;
}

/// <summary>
/// The label sets of one series as intake writes it, or why the series is refused (label limits). For histograms and
/// summaries it also keeps the per-bucket (<c>le</c>) or per-quantile label sets of the last layout seen.
/// </summary>
internal sealed class SeriesEntry
{
    private BucketLayout? _layout;

    private SeriesEntry(string? rejectReason, string? rejectMessage, Label[] labels, string name)
    {
        RejectReason = rejectReason;
        RejectMessage = rejectMessage;
        Labels = labels;
        Name = name;
    }

    /// <summary>The reject reason (from <see cref="OtlpConstants.Reasons"/>), or null when the series is valid.</summary>
    public string? RejectReason { get; }

    /// <summary>What was wrong, for partial success.</summary>
    public string? RejectMessage { get; }

    /// <summary>Every label but <c>__name__</c>.</summary>
    public Label[] Labels { get; }

    /// <summary>The Prometheus name (the base name for histograms and summaries).</summary>
    public string Name { get; }

    /// <summary>The series of a gauge or counter.</summary>
    public LabelSet Series { get; private set; } = LabelSet.Empty;

    /// <summary><c>name_sum</c> of a histogram or summary.</summary>
    public LabelSet Sum { get; private set; } = LabelSet.Empty;

    /// <summary><c>name_count</c> of a histogram or summary.</summary>
    public LabelSet Count { get; private set; } = LabelSet.Empty;

    public static SeriesEntry Rejected(string reason, string message) => new(reason, message, [], string.Empty);

    public static SeriesEntry Create(Label[] labels, string name, PrometheusMetricKind kind)
    {
        var entry = new SeriesEntry(null, null, labels, name);
        if (kind is PrometheusMetricKind.Gauge or PrometheusMetricKind.Counter)
        {
            entry.Series = entry.Build(name, null, null);
        }
        else
        {
            entry.Sum = entry.Build(name + "_sum", null, null);
            entry.Count = entry.Build(name + "_count", null, null);
        }

        return entry;
    }

    /// <summary>
    /// The label sets of <c>name_bucket{le=...}</c> for the given bounds plus <c>+Inf</c> (histograms), or of
    /// <c>name{quantile=...}</c> (summaries, <paramref name="histogram"/> false). Reused while the layout stays the same.
    /// </summary>
    public LabelSet[] Buckets(ReadOnlySpan<double> bounds, bool histogram)
    {
        var layout = Volatile.Read(ref _layout);
        if (layout is not null && bounds.SequenceEqual(layout.Bounds))
        {
            return layout.Labels;
        }

        var labels = new LabelSet[bounds.Length + (histogram ? 1 : 0)];
        var name = histogram ? Name + "_bucket" : Name;
        var labelName = histogram ? "le" : "quantile";
        for (var i = 0; i < bounds.Length; i++)
        {
            labels[i] = Build(name, labelName, PrometheusNaming.FormatFloat(bounds[i]));
        }

        if (histogram)
        {
            labels[^1] = Build(name, labelName, "+Inf");
        }

        Volatile.Write(ref _layout, new BucketLayout(bounds.ToArray(), labels));
        return labels;
    }

    private LabelSet Build(string name, string? extraName, string? extraValue)
    {
        var list = new List<Label>(Labels.Length + 2);
        list.AddRange(Labels);
        list.Add(new Label(LabelSet.MetricNameLabel, name));
        if (extraName is not null)
        {
            list.Add(new Label(extraName, extraValue!));
        }

        return LabelSet.From(list);
    }

    private sealed record BucketLayout(double[] Bounds, LabelSet[] Labels);
}

/// <summary>
/// Remembers, across requests, the label sets built for each (resource, metric, attributes), so a series' labels are
/// sanitised, validated and sorted once rather than for every point: at half a million points a second, building a
/// label set per point would cost a core. Bounded by <see cref="IntakeOptions.MaxCachedSeries"/> entries (resources by
/// a sixteenth of it); a full cache is emptied and refills from the next requests. Thread-safe.
/// </summary>
internal sealed class SeriesLabelCache
{
    private readonly ConcurrentDictionary<string, SeriesEntry> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SeriesEntry>.AlternateLookup<ReadOnlySpan<char>> _seriesLookup;
    private readonly ConcurrentDictionary<string, ResourceInfo> _resources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ResourceInfo>.AlternateLookup<ReadOnlySpan<char>> _resourceLookup;
    private readonly IntakeOptions _options;
    private readonly int _maxResources;
    private int _seriesCount;
    private int _resourceCount;
    private long _nextResourceId;

    public SeriesLabelCache(IntakeOptions options)
    {
        _options = options;
        _maxResources = Math.Max(256, options.MaxCachedSeries / 16);
        _seriesLookup = _series.GetAlternateLookup<ReadOnlySpan<char>>();
        _resourceLookup = _resources.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The resource's labels, built on first sight.</summary>
    public ResourceInfo GetResource(Resource? resource, SeriesKey key)
    {
        var attributes = resource?.Attributes ?? EmptyAttributes;
        key.Clear();
        key.Append(attributes);
        if (_resourceLookup.TryGetValue(key.Span, out var info))
        {
            return info;
        }

        info = BuildResource(attributes, Interlocked.Increment(ref _nextResourceId));
        if (_options.MaxCachedSeries > 0)
        {
            if (Interlocked.Increment(ref _resourceCount) > _maxResources)
            {
                _resources.Clear();
                Interlocked.Exchange(ref _resourceCount, 1);
            }

            _resources.TryAdd(key.Span.ToString(), info);
        }

        return info;
    }

    /// <summary>The series of a point, built on first sight; the entry says when the series is refused.</summary>
    public SeriesEntry GetSeries(ResourceInfo resource, string name, PrometheusMetricKind kind, RepeatedField<KeyValue> attributes, SeriesKey key)
    {
        key.Clear();
        key.Append(resource.Id);
        key.Append((char)('0' + (int)kind));
        key.Append(name);
        key.Append(attributes);
        if (_seriesLookup.TryGetValue(key.Span, out var entry))
        {
            return entry;
        }

        entry = BuildSeries(resource, name, kind, attributes);
        if (_options.MaxCachedSeries > 0)
        {
            if (Interlocked.Increment(ref _seriesCount) > _options.MaxCachedSeries)
            {
                _series.Clear();
                Interlocked.Exchange(ref _seriesCount, 1);
            }

            _series.TryAdd(key.Span.ToString(), entry);
        }

        return entry;
    }

    private static readonly RepeatedField<KeyValue> EmptyAttributes = [];

    private SeriesEntry BuildSeries(ResourceInfo resource, string name, PrometheusMetricKind kind, RepeatedField<KeyValue> attributes)
    {
        var extra = kind is PrometheusMetricKind.Histogram or PrometheusMetricKind.Summary ? 1 : 0;
        var max = _options.MaxLabelsPerSeries;
        if (attributes.Count > max * 4)
        {
            return SeriesEntry.Rejected(OtlpConstants.Reasons.TooManyLabels, $"metric {name}: {attributes.Count} attributes, more than the limit of {max} labels per series");
        }

        var labels = new List<Label>(attributes.Count + resource.Labels.Length);
        foreach (var kv in attributes)
        {
            var labelName = PrometheusNaming.LabelName(kv.Key);
            if (labelName.Length == 0)
            {
                continue;
            }

            AddJoined(labels, labelName, OtlpValues.ToText(kv.Value));
        }

        foreach (var label in resource.Labels)
        {
            Set(labels, label);
        }

        labels.RemoveAll(static l => l.Value.Length == 0);
        if (labels.Count + 1 + extra > max)
        {
            return SeriesEntry.Rejected(OtlpConstants.Reasons.TooManyLabels, $"metric {name}: {labels.Count + 1 + extra} labels, more than the limit of {max} per series");
        }

        foreach (var label in labels)
        {
            if (label.Name.Length > _options.MaxLabelNameLength)
            {
                return SeriesEntry.Rejected(OtlpConstants.Reasons.LabelNameTooLong, $"metric {name}: label name {Truncate(label.Name)} is {label.Name.Length} characters, more than the limit of {_options.MaxLabelNameLength}");
            }

            if (label.Value.Length > _options.MaxLabelValueLength)
            {
                return SeriesEntry.Rejected(OtlpConstants.Reasons.LabelValueTooLong, $"metric {name}: value of label {Truncate(label.Name)} is {label.Value.Length} characters, more than the limit of {_options.MaxLabelValueLength}");
            }
        }

        return SeriesEntry.Create([.. labels], name, kind);
    }

    private ResourceInfo BuildResource(RepeatedField<KeyValue> attributes, long id)
    {
        string Get(string key)
        {
            foreach (var kv in attributes)
            {
                if (kv.Key == key)
                {
                    return OtlpValues.ToText(kv.Value);
                }
            }

            return string.Empty;
        }

        var serviceName = Get(ResourceAttributes.ServiceName);
        var serviceNamespace = Get(ResourceAttributes.ServiceNamespace);
        var instance = Get(ResourceAttributes.ServiceInstanceId);
        var environment = Get(ResourceAttributes.DeploymentEnvironmentName);
        if (environment.Length == 0)
        {
            environment = Get(ResourceAttributes.DeploymentEnvironment);
        }

        var job = serviceName.Length == 0 ? string.Empty : serviceNamespace.Length == 0 ? serviceName : serviceNamespace + "/" + serviceName;
        var labels = new List<Label>(6);
        void AddIf(string labelName, string value)
        {
            if (value.Length > 0)
            {
                labels.Add(new Label(labelName, value));
            }
        }

        AddIf(PromotedLabels.Job, job);
        AddIf(PromotedLabels.Instance, instance);
        AddIf(PromotedLabels.ServiceName, serviceName);
        AddIf(PromotedLabels.ServiceVersion, Get(ResourceAttributes.ServiceVersion));
        AddIf(PromotedLabels.DeploymentEnvironmentName, environment);
        AddIf(PromotedLabels.ServiceInstanceId, instance);

        // target_info: every other attribute, sanitised; entries over the label limits are left out rather than
        // refusing the resource's metrics, since target_info is descriptive.
        var info = new List<Label>(attributes.Count + 2) { new(LabelSet.MetricNameLabel, "target_info") };
        info.AddRange(labels);
        var others = 0;
        foreach (var kv in attributes)
        {
            if (kv.Key is ResourceAttributes.ServiceName or ResourceAttributes.ServiceNamespace or ResourceAttributes.ServiceInstanceId)
            {
                continue;
            }

            var labelName = PrometheusNaming.LabelName(kv.Key);
            var value = OtlpValues.ToText(kv.Value);
            if (labelName.Length == 0 || value.Length == 0 || labelName.Length > _options.MaxLabelNameLength ||
                value.Length > _options.MaxLabelValueLength || info.Count >= _options.MaxLabelsPerSeries ||
                Contains(info, labelName))
            {
                continue;
            }

            info.Add(new Label(labelName, value));
            others++;
        }

        return new ResourceInfo(id, [.. labels], others == 0 ? null : LabelSet.From(info));
    }

    // Two attributes whose names sanitise to the same label are joined with ';' (as the Prometheus OTLP receiver does).
    private static void AddJoined(List<Label> labels, string name, string value)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i].Name == name)
            {
                labels[i] = new Label(name, labels[i].Value + ";" + value);
                return;
            }
        }

        labels.Add(new Label(name, value));
    }

    // Resource-derived labels win over point attributes of the same name.
    private static void Set(List<Label> labels, Label label)
    {
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i].Name == label.Name)
            {
                labels[i] = label;
                return;
            }
        }

        labels.Add(label);
    }

    private static bool Contains(List<Label> labels, string name)
    {
        foreach (var label in labels)
        {
            if (label.Name == name)
            {
                return true;
            }
        }

        return false;
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "...");
}
