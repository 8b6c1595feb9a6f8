using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Telemetry;

namespace Vigil.Core.Scrape;

/// <summary>
/// Applies relabeling steps to a label set exactly as Prometheus's <c>relabel.Process</c> does: steps run in order
/// on a working copy; <c>keep</c>/<c>drop</c>/<c>keepequal</c>/<c>dropequal</c> may drop the whole set; a label set
/// to an empty value is removed. Pure and thread-safe.
/// </summary>
public static class Relabeler
{
    /// <summary>Runs <paramref name="steps"/> over <paramref name="labels"/>; null when a step dropped it.</summary>
    public static LabelSet? Process(LabelSet labels, IReadOnlyList<RelabelConfig> steps)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
        {
            return labels;
        }

        var builder = new Dictionary<string, string>(labels.Count + 4, StringComparer.Ordinal);
        foreach (var label in labels.Labels)
        {
            builder[label.Name] = label.Value;
        }

        return Process(builder, steps) ? ToLabelSet(builder) : null;
    }

    /// <summary>Runs <paramref name="steps"/> over a mutable label map in place; false when a step dropped it.</summary>
    public static bool Process(Dictionary<string, string> labels, IReadOnlyList<RelabelConfig> steps)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(steps);
        foreach (var step in steps)
        {
            if (!Apply(labels, step))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A label set from a label map; empty values are absent labels.</summary>
    public static LabelSet ToLabelSet(Dictionary<string, string> labels) =>
        LabelSet.From(labels.Select(kv => new Label(kv.Key, kv.Value)));

    private static bool Apply(Dictionary<string, string> labels, RelabelConfig step)
    {
        var value = JoinSources(labels, step);
        switch (step.Action)
        {
            case RelabelAction.Drop:
                return !step.Regex.IsMatch(value);
            case RelabelAction.Keep:
                return step.Regex.IsMatch(value);
            case RelabelAction.DropEqual:
                return !string.Equals(Get(labels, step.TargetLabel!), value, StringComparison.Ordinal);
            case RelabelAction.KeepEqual:
                return string.Equals(Get(labels, step.TargetLabel!), value, StringComparison.Ordinal);
            case RelabelAction.Replace:
            {
                var match = step.Regex.MatchWhole(value);
                if (match is null)
                {
                    break;
                }

                var target = step.Regex.Expand(step.TargetLabel!, match);
                if (!RelabelConfig.IsValidLabelName(target))
                {
                    break;
                }

                Set(labels, target, step.Regex.Expand(step.Replacement, match));
                break;
            }

            case RelabelAction.Lowercase:
                Set(labels, step.TargetLabel!, value.ToLowerInvariant());
                break;
            case RelabelAction.Uppercase:
                Set(labels, step.TargetLabel!, value.ToUpperInvariant());
                break;
            case RelabelAction.HashMod:
            {
                Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
#pragma warning disable CA5351 // Not security: hashmod must reproduce Prometheus's MD5-based sharding exactly.
                MD5.HashData(Encoding.UTF8.GetBytes(value), hash);
#pragma warning restore CA5351

                // Prometheus folds the digest into a uint64 whose shifts past 63 bits vanish: the last 8 bytes, big-endian.
                var sum = BinaryPrimitives.ReadUInt64BigEndian(hash[8..]);
                Set(labels, step.TargetLabel!, (sum % step.Modulus).ToString(CultureInfo.InvariantCulture));
                break;
            }

            case RelabelAction.LabelMap:
            {
                // Snapshot first: labels added by this step must not be matched again by it.
                foreach (var (name, labelValue) in labels.ToArray())
                {
                    var match = step.Regex.MatchWhole(name);
                    if (match is not null)
                    {
                        Set(labels, step.Regex.Expand(step.Replacement, match), labelValue);
                    }
                }

                break;
            }

            case RelabelAction.LabelDrop:
                foreach (var name in labels.Keys.ToArray())
                {
                    if (step.Regex.IsMatch(name))
                    {
                        labels.Remove(name);
                    }
                }

                break;
            case RelabelAction.LabelKeep:
                foreach (var name in labels.Keys.ToArray())
                {
                    if (!step.Regex.IsMatch(name))
                    {
                        labels.Remove(name);
                    }
                }

                break;
        }

        return true;
    }

    private static string JoinSources(Dictionary<string, string> labels, RelabelConfig step)
    {
        var sources = step.SourceLabels;
        if (sources.Count == 0)
        {
            return string.Empty;
        }

        if (sources.Count == 1)
        {
            return Get(labels, sources[0]);
        }

        var sb = new StringBuilder();
        for (var i = 0; i < sources.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(step.Separator);
            }

            sb.Append(Get(labels, sources[i]));
        }

        return sb.ToString();
    }

    private static string Get(Dictionary<string, string> labels, string name) =>
        labels.TryGetValue(name, out var value) ? value : string.Empty;

    private static void Set(Dictionary<string, string> labels, string name, string value)
    {
        if (value.Length == 0)
        {
            labels.Remove(name);
        }
        else
        {
            labels[name] = value;
        }
    }
}
