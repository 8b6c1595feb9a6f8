using Vigil.Core.Anomalies.Watching;
using Vigil.Server.Configuration;

namespace Vigil.Server.Anomalies;

/// <summary>Anomaly detection on watched series (section <c>anomalies</c> of vigil.yaml); docs/anomalies.md describes it.</summary>
public sealed class AnomaliesOptions
{
    /// <summary>Whether the rule loop runs at all. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often every watched expression is evaluated. Default 30s.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most series watched (one detector each, about 10 KB); further series are left out with a log message naming the first. Default 10,000.</summary>
    public int MaxSeries { get; set; } = 10_000;

    /// <summary>Whether the default watches (request rate, error ratio, p95 latency of every service) run. Default true.</summary>
    public bool Defaults { get; set; } = true;

    /// <summary>How far back a watch seen for the first time (or after a restart) is replayed to warm its detectors. Default 6h.</summary>
    public TimeSpan ReplayWindow { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often every detector's state is saved to <c>&lt;data&gt;/anomaly-detectors.json.gz</c> (also at shutdown), so a restart resumes it. Default 5m.</summary>
    public TimeSpan StateSaveInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Evaluations in a row below the threshold that close an event. Default 10.</summary>
    public int CloseAfter { get; set; } = AnomalyEventTracker.DefaultCloseAfter;

    /// <summary>Events kept; the oldest go first. Default 10,000.</summary>
    public int MaxEvents { get; set; } = Storage.State.SqliteAnomalyEventStore.DefaultMaxEvents;

    /// <summary>Watches written in vigil.yaml (name, query, optional description and unit).</summary>
    public WatchList Watches { get; } = new();

    /// <summary>Checks the section, one message per problem.</summary>
    public void Validate(List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        VigilOptions.Positive("anomalies.evaluationInterval", EvaluationInterval, errors);
        VigilOptions.Positive("anomalies.maxSeries", MaxSeries, errors);
        VigilOptions.Positive("anomalies.replayWindow", ReplayWindow, errors);
        VigilOptions.Positive("anomalies.closeAfter", CloseAfter, errors);
        VigilOptions.Positive("anomalies.stateSaveInterval", StateSaveInterval, errors);
        VigilOptions.Positive("anomalies.maxEvents", MaxEvents, errors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Watches.Items.Count; i++)
        {
            var w = Watches.Items[i];
            var path = $"anomalies.watches[{i}]";
            if (!AnomalyWatch.IsValidName(w.Name))
            {
                errors.Add($"{path}.name: '{w.Name}' is not a valid name (1 to 63 lowercase letters, digits and '-', starting and ending with a letter or digit)");
            }
            else if (!names.Add(w.Name))
            {
                errors.Add($"{path}.name: '{w.Name}' is used twice");
            }

            if (string.IsNullOrWhiteSpace(w.Query))
            {
                errors.Add($"{path}.query: must not be empty");
            }
            else if (AnomalyWatchYaml.CheckQuery(w.Query) is { } problem)
            {
                errors.Add($"{path}.query: {problem.Reason}");
            }
        }
    }
}

/// <summary>One watch in vigil.yaml.</summary>
public sealed class WatchOptions
{
    /// <summary>The watch's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The PromQL expression.</summary>
    public string Query { get; set; } = string.Empty;

    /// <summary>What it measures, for explanations.</summary>
    public string? Description { get; set; }

    /// <summary>A unit suffix for explanations.</summary>
    public string Unit { get; set; } = string.Empty;

    /// <summary>The watch.</summary>
    public AnomalyWatch ToWatch() => new(Name, Query, new Dictionary<string, string>(), Description, Unit);
}

/// <summary>The <c>anomalies.watches</c> list.</summary>
public sealed class WatchList : IConfigurationBindable
{
    private static readonly string[] Keys = ["name", "query", "description", "unit"];

    /// <summary>The watches, in file order.</summary>
    public List<WatchOptions> Items { get; } = [];

    /// <inheritdoc />
    public void Bind(IConfigurationSection section, string path, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(errors);
        if (section.Value is { Length: > 0 })
        {
            errors.Add($"{path}: expected a list of watches, found a single value");
            return;
        }

        foreach (var entry in section.GetChildren().OrderBy(c => int.TryParse(c.Key, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : int.MaxValue))
        {
            var watch = new WatchOptions();
            foreach (var child in entry.GetChildren())
            {
                switch (child.Key.ToLowerInvariant())
                {
                    case "name": watch.Name = child.Value?.Trim() ?? string.Empty; break;
                    case "query": watch.Query = child.Value ?? string.Empty; break;
                    case "description": watch.Description = child.Value; break;
                    case "unit": watch.Unit = child.Value ?? string.Empty; break;
                    default: errors.Add($"{path}[{entry.Key}].{child.Key}: unknown setting (known: {string.Join(", ", Keys)})"); break;
                }
            }

            Items.Add(watch);
        }
    }
}
