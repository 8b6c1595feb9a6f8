using System.Globalization;
using Vigil.Core.Drift.Policy;

namespace Vigil.Core.Drift.Compare;

/// <summary>
/// Compares two snapshots item by item, matched on (category, key): an item only on the left is
/// <see cref="DriftChange.Missing"/>, only on the right <see cref="DriftChange.Unexpected"/>, on both with another
/// value (or another secret fingerprint) <see cref="DriftChange.Changed"/>. Each difference gets a risk and one
/// sentence (<see cref="DriftRules"/>); differences a <see cref="DriftPolicy"/> expects are counted, not listed.
/// </summary>
/// <remarks>
/// Secrets never have values here: with fingerprints (HMACs) on both sides the comparer says "same secret" (a note,
/// no item) or "secret differs" (Changed, medium: environments usually have their own credentials); present on one
/// side only is high; without fingerprints only presence is compared and a note says the values could not be. When a
/// side could not read a source (an <see cref="DriftItemKinds.Unreadable"/> item with the same category and source),
/// the other side's items from that source are not listed as missing: they are unknown, which a note says. Linear
/// in the number of items (two dictionaries and one sort).
/// </remarks>
public sealed class DriftComparer
{
    /// <summary>The most keys a note names before it says "and N more".</summary>
    public const int MaxKeysPerNote = 20;

    private readonly IReadOnlyList<DriftPolicy> _policies;

    /// <summary>A comparer that ignores what <paramref name="policies"/> declare expected (none when null).</summary>
    public DriftComparer(IReadOnlyList<DriftPolicy>? policies = null) => _policies = policies ?? [];

    /// <summary>
    /// The differences from <paramref name="left"/> (the reference, e.g. UAT) to <paramref name="right"/> (e.g. Prod).
    /// <paramref name="leftLabel"/> and <paramref name="rightLabel"/> name the sides in the report and its sentences
    /// (default: each snapshot's environment).
    /// </summary>
    public DriftReport Compare(DriftSnapshot left, DriftSnapshot right, string? leftLabel = null, string? rightLabel = null)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var l = leftLabel ?? left.Environment;
        var r = rightLabel ?? right.Environment;
        var run = new Run(this, l, r);

        var leftItems = Index(left.Items, out var leftDuplicates);
        var rightItems = Index(right.Items, out var rightDuplicates);
        var leftUnreadable = UnreadableSources(leftItems.Values);
        var rightUnreadable = UnreadableSources(rightItems.Values);

        foreach (var (id, a) in leftItems)
        {
            if (rightItems.TryGetValue(id, out var b))
            {
                run.Both(a, b);
            }
            else if (a.Source is { } source && Covers(rightUnreadable, a))
            {
                run.Unknown(rightSide: true, a.Category, source);
            }
            else
            {
                run.OneSide(DriftChange.Missing, a);
            }
        }

        foreach (var (id, b) in rightItems)
        {
            if (leftItems.ContainsKey(id))
            {
                continue;
            }

            if (b.Source is { } source && Covers(leftUnreadable, b))
            {
                run.Unknown(rightSide: false, b.Category, source);
            }
            else
            {
                run.OneSide(DriftChange.Unexpected, b);
            }
        }

        run.Items.Sort(Order);
        var notes = run.Notes(leftDuplicates, rightDuplicates);
        return new DriftReport(l, r, left.TakenAt, right.TakenAt, run.Items, run.Ignored, notes);
    }

    /// <summary>Risk first (high to low), then category, key and change.</summary>
    private static int Order(DriftItem a, DriftItem b)
    {
        var c = b.Risk.CompareTo(a.Risk);
        if (c == 0)
        {
            c = string.CompareOrdinal(a.Category, b.Category);
        }

        if (c == 0)
        {
            c = string.CompareOrdinal(a.Key, b.Key);
        }

        return c != 0 ? c : a.Change.CompareTo(b.Change);
    }

    private static Dictionary<(string Category, string Key), SnapshotItem> Index(IReadOnlyList<SnapshotItem> items, out int duplicates)
    {
        var index = new Dictionary<(string, string), SnapshotItem>(items.Count);
        duplicates = 0;
        foreach (var item in items)
        {
            // The first of a repeated (category, key) is compared; intake rejects repeats, so only hand-made files have them.
            if (!index.TryAdd((item.Category, item.Key), item))
            {
                duplicates++;
            }
        }

        return index;
    }

    /// <summary>
    /// Per (category, source), the kinds a side could not read there: null for all of them, or the kinds named by the
    /// unreadable item's last key part (<c>$DB:indexes</c> covers only indexes, so one unreadable catalog never hides a
    /// missing table).
    /// </summary>
    private static Dictionary<(string Category, string Source), HashSet<string>?> UnreadableSources(IEnumerable<SnapshotItem> items)
    {
        var sources = new Dictionary<(string, string), HashSet<string>?>();
        foreach (var item in items)
        {
            if (item.Kind != DriftItemKinds.Unreadable || item.Source is not { } source)
            {
                continue;
            }

            var colon = item.Key.LastIndexOf(':');
            var kind = colon >= 0 ? PartKinds.GetValueOrDefault(item.Key[(colon + 1)..]) : null;
            if (kind is null)
            {
                sources[(item.Category, source)] = null;
            }
            else if (!sources.TryGetValue((item.Category, source), out var kinds))
            {
                sources[(item.Category, source)] = [kind];
            }
            else
            {
                kinds?.Add(kind);
            }
        }

        return sources;
    }

    private static bool Covers(Dictionary<(string Category, string Source), HashSet<string>?> unreadable, SnapshotItem item) =>
        unreadable.TryGetValue((item.Category, item.Source!), out var kinds) && (kinds is null || kinds.Contains(item.Kind));

    /// <summary>The parts of a source a collector may fail to read on their own, by the kind of item they hold.</summary>
    private static readonly Dictionary<string, string> PartKinds = new(StringComparer.Ordinal)
    {
        ["tables"] = DriftItemKinds.Table, ["columns"] = DriftItemKinds.Column, ["indexes"] = DriftItemKinds.Index,
        ["constraints"] = DriftItemKinds.Constraint, ["views"] = DriftItemKinds.View, ["sequences"] = DriftItemKinds.Sequence,
        ["enums"] = DriftItemKinds.EnumType, ["extensions"] = DriftItemKinds.Extension, ["triggers"] = DriftItemKinds.Trigger,
        ["functions"] = DriftItemKinds.Function, ["migrations"] = DriftItemKinds.AppliedMigration,
    };

    /// <summary>How a side shows in Left and Right: its value, or <c>secret (sha 1a2b3c4d…)</c> / <c>secret</c>.</summary>
    internal static string? Show(SnapshotItem? item) => item switch
    {
        null => null,
        { Secret: { Hmac: { Length: >= 8 } hmac } } => $"secret (sha {hmac[..8]}…)",
        { Secret: not null } => "secret",
        _ => item.Value,
    };

    /// <summary>The state of one comparison: the items found, and what the notes will say.</summary>
    private sealed class Run(DriftComparer comparer, string l, string r)
    {
        private readonly KeyList _sameSecrets = new();
        private readonly KeyList _uncomparedSecrets = new();
        private readonly Dictionary<string, int> _ignoredByPolicy = new(StringComparer.Ordinal);
        private readonly Dictionary<(bool RightSide, string Category, string Source), int> _unknown = [];
        private bool _leftUnkeyed;
        private bool _rightUnkeyed;

        public List<DriftItem> Items { get; } = [];

        public int Ignored { get; private set; }

        public void Both(SnapshotItem a, SnapshotItem b)
        {
            if ((a.Kind == DriftItemKinds.Unreadable) != (b.Kind == DriftItemKinds.Unreadable))
            {
                // Read on one side, not on the other: the fact is unknown there, not changed.
                var (unreadable, readable, side, other) = a.Kind == DriftItemKinds.Unreadable ? (a, b, l, r) : (b, a, r, l);
                Add(DriftChange.Changed, unreadable, Show(a), Show(b), DriftRisk.Medium, Sentence(
                    $"{side} could not read {a.Key} ({DriftRules.Reason(unreadable.Value)}) while {other} has it: drift in it cannot be ruled out."),
                    secret: readable.Secret is not null);
                return;
            }

            if (a.Secret is not null || b.Secret is not null)
            {
                Secrets(a, b);
                return;
            }

            if (!string.Equals(a.Value, b.Value, StringComparison.Ordinal))
            {
                var (risk, why) = DriftRules.Judge(DriftChange.Changed, a, b, l, r);
                Add(DriftChange.Changed, a, a.Value, b.Value, risk, why);
            }
        }

        public void OneSide(DriftChange change, SnapshotItem item)
        {
            var (a, b) = change == DriftChange.Missing ? (item, (SnapshotItem?)null) : (null, item);
            if (item.Secret is not null)
            {
                var (present, absent) = change == DriftChange.Missing ? (l, r) : (r, l);
                Add(change, item, Show(a), Show(b), DriftRisk.High, Sentence(
                    $"The secret {item.Key} is present in {present}, missing in {absent}: whatever authenticates with it (database, API, token signing) fails in {absent}."), secret: true);
                return;
            }

            var (risk, why) = DriftRules.Judge(change, a, b, l, r);
            Add(change, item, a?.Value, b?.Value, risk, why);
        }

        /// <summary>Counts an item of the other side that <paramref name="rightSide"/>'s side could not read the source of.</summary>
        public void Unknown(bool rightSide, string category, string source) =>
            _unknown[(rightSide, category, source)] = _unknown.GetValueOrDefault((rightSide, category, source)) + 1;

        private void Secrets(SnapshotItem a, SnapshotItem b)
        {
            if (a.Secret is { } sa && b.Secret is { } sb)
            {
                if (sa.Hmac is null || sb.Hmac is null)
                {
                    _leftUnkeyed |= sa.Hmac is null;
                    _rightUnkeyed |= sb.Hmac is null;
                    _uncomparedSecrets.Add(a);
                    return;
                }

                if (string.Equals(sa.Hmac, sb.Hmac, StringComparison.OrdinalIgnoreCase))
                {
                    _sameSecrets.Add(a);
                    return;
                }

                Add(DriftChange.Changed, a, Show(a), Show(b), DriftRisk.Medium, Sentence(
                    $"The secret {a.Key} differs between {l} and {r} (fingerprints differ): expected when each environment has its own credential, a failure when {r} should share {Possessive(l)} or still holds a rotated-out one."), secret: true);
                return;
            }

            // A secret on one side and a plain value on the other: the plain value is not shown, it may be the secret itself.
            var (secretSide, plainSide, plain) = a.Secret is not null ? (l, r, b) : (r, l, a);
            var hidden = "(value not shown: a secret in " + secretSide + ")";
            var (left, right) = a.Secret is not null ? (Show(a), hidden) : (hidden, Show(b));
            if (string.IsNullOrWhiteSpace(plain.Value))
            {
                Add(DriftChange.Changed, a, left, right, DriftRisk.High, Sentence(
                    $"The secret {a.Key} is present in {secretSide}, empty in {plainSide}: whatever authenticates with it fails in {plainSide}."), secret: true);
            }
            else
            {
                Add(DriftChange.Changed, a, left, right, DriftRisk.Medium, Sentence(
                    $"The key {a.Key} holds a secret in {secretSide} but a value that does not look like one in {plainSide}: {plainSide} may carry a placeholder instead of the credential."), secret: true);
            }
        }

        private void Add(DriftChange change, SnapshotItem item, string? left, string? right, DriftRisk risk, string why, bool secret = false)
        {
            // Policies see values only where they are not secret.
            var leftValue = secret ? null : left;
            var rightValue = secret ? null : right;
            foreach (var policy in comparer._policies)
            {
                foreach (var rule in policy.Rules)
                {
                    if (rule.Matches(change, item.Category, item.Kind, item.Key, leftValue, rightValue))
                    {
                        Ignored++;
                        _ignoredByPolicy[policy.Name] = _ignoredByPolicy.GetValueOrDefault(policy.Name) + 1;
                        return;
                    }
                }
            }

            Items.Add(new DriftItem(change, item.Category, item.Kind, item.Key, left, right, risk, why));
        }

        public List<string> Notes(int leftDuplicates, int rightDuplicates)
        {
            var notes = new List<string>();
            if (_sameSecrets.Count > 0)
            {
                notes.Add($"Same secret in {l} and {r} (fingerprints equal): {_sameSecrets}.");
            }

            if (_uncomparedSecrets.Count > 0)
            {
                var unkeyed = _leftUnkeyed && _rightUnkeyed ? "either snapshot" : _leftUnkeyed ? $"the {l} snapshot" : $"the {r} snapshot";
                notes.Add($"Secret values could not be compared, only their presence ({unkeyed} was taken without VIGIL_DRIFT_KEY): {_uncomparedSecrets}.");
            }

            var unknown = _unknown.OrderBy(u => u.Key.RightSide).ThenBy(u => u.Key.Category, StringComparer.Ordinal).ThenBy(u => u.Key.Source, StringComparer.Ordinal).ToList();
            foreach (var ((rightSide, category, source), count) in unknown.Take(MaxKeysPerNote))
            {
                var (side, other) = rightSide ? (r, l) : (l, r);
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{Sentence(side)} could not read {source} ({category}): {count} item(s) {other} has there are unknown in {side}, not listed as drift."));
            }

            if (unknown.Count > MaxKeysPerNote)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{unknown.Count - MaxKeysPerNote} more unreadable source(s) hide {unknown.Skip(MaxKeysPerNote).Sum(u => u.Value)} item(s) the other side has; not listed as drift."));
            }

            foreach (var (policy, count) in _ignoredByPolicy.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"DriftPolicy {policy} ignored {count} expected difference(s)."));
            }

            if (leftDuplicates + rightDuplicates > 0)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"Repeated keys were compared on their first occurrence ({leftDuplicates} repeat(s) in {l}, {rightDuplicates} in {r})."));
            }

            return notes;
        }
    }

    /// <summary>
    /// Keys named in a note: the <see cref="MaxKeysPerNote"/> first in key order (so item order in the snapshots does
    /// not change the note), the rest counted.
    /// </summary>
    private sealed class KeyList
    {
        private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);

        public int Count { get; private set; }

        public void Add(SnapshotItem item)
        {
            Count++;
            _keys.Add($"{item.Category} {item.Key}");
            if (_keys.Count > MaxKeysPerNote)
            {
                _keys.Remove(_keys.Max!);
            }
        }

        public override string ToString()
        {
            var more = Count > _keys.Count ? string.Create(CultureInfo.InvariantCulture, $" and {Count - _keys.Count} more") : string.Empty;
            return string.Join(", ", _keys) + more;
        }
    }

    private static string Possessive(string name) => name.EndsWith('s') ? name + "'" : name + "'s";

    private static string Sentence(string text) =>
        text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
