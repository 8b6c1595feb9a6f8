using System.Globalization;
using Vigil.Client.Contracts;
using Vigil.Core.Drift;
using Vigil.Core.Drift.Compare;
using Vigil.Core.Drift.Policy;

namespace Vigil.Server.Drift;

/// <summary>
/// Snapshots and reports between their API shape (<see cref="DriftSnapshotDto"/>, <see cref="DriftReportDto"/>) and
/// the model, with the checks every snapshot passes before it is stored or compared (the server's intake and the
/// CLI's offline compare of two <c>--out</c> files use the same ones).
/// </summary>
public static class DriftMapping
{
    /// <summary>The most items in one snapshot: 100,000 (a large host with a 500-table schema has about 20,000).</summary>
    public const int MaxItems = 100_000;

    /// <summary>The longest key or source: 1,024 characters.</summary>
    public const int MaxKeyLength = 1024;

    /// <summary>The longest value: 16,384 characters (a function signature, a long URL list); longer values are a collector bug.</summary>
    public const int MaxValueLength = 16_384;

    /// <summary>The longest service: 200 characters, as for releases.</summary>
    public const int MaxServiceLength = 200;

    /// <summary>The longest host name: 255 characters (DNS's limit).</summary>
    public const int MaxHostLength = 255;

    /// <summary>How far ahead of the server's clock a snapshot's time may be: 1 hour of clock skew.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromHours(1);

    /// <summary>The earliest believable snapshot time; earlier is a zero or a unit mistake.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Checks a snapshot: environment name, service and host lengths, its time, the item count, each item's category,
    /// kind and field lengths, secrets without values and with well-formed fingerprints, no repeated (category, key).
    /// Returns the first problem as (field, reason), field being a JSON path such as <c>items[12].kind</c>, or null.
    /// </summary>
    public static (string Field, string Reason)? Check(DriftSnapshotDto snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!DriftSide.IsEnvironmentName(snapshot.Environment))
        {
            return ("environment", $"'{Clip(snapshot.Environment ?? "")}' is not an environment name (1 to {DriftSide.MaxEnvironmentLength} letters, digits, '.', '_' and '-', starting with a letter or digit)");
        }

        if (snapshot.Service is { } service && (service.Length is 0 or > MaxServiceLength || service.Any(char.IsControl) || service.Trim().Length != service.Length))
        {
            return ("service", $"must be 1 to {MaxServiceLength} characters without control characters or surrounding spaces, or absent");
        }

        if (string.IsNullOrWhiteSpace(snapshot.Host) || snapshot.Host.Length > MaxHostLength || snapshot.Host.Any(char.IsControl))
        {
            return ("host", $"required, at most {MaxHostLength} characters without control characters");
        }

        if (snapshot.TakenAt < Earliest)
        {
            return ("takenAt", "required: the RFC 3339 time the snapshot was taken");
        }

        if (snapshot.TakenAt > now + MaxClockSkew)
        {
            return ("takenAt", $"{snapshot.TakenAt:O} is more than {MaxClockSkew.TotalHours.ToString(CultureInfo.InvariantCulture)} hour ahead of the server's clock");
        }

        if (snapshot.Items is null)
        {
            return ("items", "required: a list of items");
        }

        if (snapshot.Items.Count > MaxItems)
        {
            return ("items", $"{snapshot.Items.Count} items, more than the limit of {MaxItems}");
        }

        var seen = new Dictionary<(string, string), int>(snapshot.Items.Count);
        for (var i = 0; i < snapshot.Items.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"items[{i}]");
            if (snapshot.Items[i] is not { } item)
            {
                return (path, "must be an item object, not null");
            }

            if (CheckItem(item) is var (field, reason))
            {
                return ($"{path}.{field}", reason);
            }

            if (!seen.TryAdd((item.Category, item.Key), i))
            {
                return ($"{path}.key", string.Create(CultureInfo.InvariantCulture, $"'{Clip(item.Key)}' repeats items[{seen[(item.Category, item.Key)]}] in category {item.Category}"));
            }
        }

        return null;
    }

    private static (string Field, string Reason)? CheckItem(SnapshotItemDto item)
    {
        if (item.Category is null || !DriftPolicyYaml.Categories.Contains(item.Category, StringComparer.Ordinal))
        {
            return ("category", $"'{Clip(item.Category ?? "")}' is not a category ({string.Join(", ", DriftPolicyYaml.Categories)})");
        }

        if (item.Kind is null || !DriftPolicyYaml.Kinds.Contains(item.Kind, StringComparer.Ordinal))
        {
            return ("kind", $"'{Clip(item.Kind ?? "")}' is not an item kind ({string.Join(", ", DriftPolicyYaml.Kinds)})");
        }

        if (string.IsNullOrEmpty(item.Key) || item.Key.Length > MaxKeyLength)
        {
            return ("key", $"required, at most {MaxKeyLength} characters");
        }

        if (item.Source is { Length: > MaxKeyLength })
        {
            return ("source", $"at most {MaxKeyLength} characters");
        }

        if (item.Secret)
        {
            if (item.Value is not null)
            {
                // Not echoed: it may be the secret itself.
                return ("value", "must be null for a secret item; send only its fingerprint (secretHmac)");
            }

            if (item.SecretHmac is { } hmac && (hmac.Length != 64 || !hmac.All(char.IsAsciiHexDigitLower)))
            {
                return ("secretHmac", "must be 64 lower-case hex digits (HMAC-SHA256), or absent when no VIGIL_DRIFT_KEY was set");
            }
        }
        else
        {
            if (item.SecretHmac is not null)
            {
                return ("secretHmac", "set on an item that is not a secret; set secret: true, or leave secretHmac out");
            }

            if (item.Value is { Length: > MaxValueLength })
            {
                return ("value", $"{item.Value.Length} characters, more than the limit of {MaxValueLength}");
            }
        }

        return null;
    }

    /// <summary>The model of a checked snapshot.</summary>
    public static DriftSnapshot ToModel(DriftSnapshotDto snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var items = new SnapshotItem[snapshot.Items.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var d = snapshot.Items[i];
            items[i] = new SnapshotItem(d.Category, d.Kind, d.Key, d.Secret ? null : d.Value, d.Source, d.Secret ? new SecretFingerprint(d.SecretHmac) : null);
        }

        return new DriftSnapshot(snapshot.Environment, snapshot.Service, snapshot.TakenAt, snapshot.Host, items);
    }

    /// <summary>The API shape of a stored snapshot's summary.</summary>
    public static DriftSnapshotSummaryDto ToDto(DriftSnapshotSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new DriftSnapshotSummaryDto(summary.Id, summary.Environment, summary.Service, summary.TakenAt, summary.Host, summary.Items);
    }

    /// <summary>The API shape of a report: change and risk in lower case.</summary>
    public static DriftReportDto ToDto(DriftReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new DriftReportDto(
            report.Left,
            report.Right,
            report.LeftTakenAt,
            report.RightTakenAt,
            report.Items.Select(i => new DriftItemDto(ChangeText(i.Change), i.Category, i.Kind, i.Key, i.Left, i.Right, RiskText(i.Risk), i.Why)).ToList(),
            report.Ignored,
            report.Notes ?? []);
    }

    /// <summary><c>missing</c>, <c>unexpected</c> or <c>changed</c>.</summary>
    public static string ChangeText(DriftChange change) => change switch
    {
        DriftChange.Missing => "missing",
        DriftChange.Unexpected => "unexpected",
        _ => "changed",
    };

    /// <summary><c>high</c>, <c>medium</c> or <c>low</c>.</summary>
    public static string RiskText(DriftRisk risk) => risk switch
    {
        DriftRisk.High => "high",
        DriftRisk.Medium => "medium",
        _ => "low",
    };

    private static string Clip(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
