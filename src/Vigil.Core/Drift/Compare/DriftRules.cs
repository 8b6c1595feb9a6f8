using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Core.Drift.Compare;

/// <summary>
/// The risk of one difference and the one sentence that says why it matters, by category and kind (never by exact key
/// strings, which differ between collectors; crypto facts are told apart by the words in their keys only to pick the
/// sentence, never the risk). <c>docs/drift.md</c> lists the rules. Secrets are judged by <see cref="DriftComparer"/>
/// itself because their values are never available.
/// </summary>
internal static partial class DriftRules
{
    /// <summary>The longest value quoted inside a sentence; longer values are shown only in Left and Right.</summary>
    private const int MaxQuotedValue = 60;

    /// <summary>Judges a non-secret difference. <paramref name="left"/> is null for Unexpected, <paramref name="right"/> for Missing.</summary>
    public static (DriftRisk Risk, string Why) Judge(DriftChange change, SnapshotItem? left, SnapshotItem? right, string l, string r)
    {
        var item = left ?? right ?? throw new ArgumentException("An item needs at least one side.", nameof(left));
        var sides = new Sides(l, r, left?.Value, right?.Value);
        if (item.Kind == DriftItemKinds.Unreadable)
        {
            return Unreadable(change, item, sides);
        }

        if (item.Kind == DriftItemKinds.RuntimeVersion)
        {
            // Runtimes are judged as runtimes wherever they are filed (a database server's version sits with its schema).
            return RuntimeVersion(change, item, sides);
        }

        return item.Category switch
        {
            DriftCategories.Environment => Setting(change, item, sides, "The environment variable"),
            DriftCategories.Config => Setting(change, item, sides, "The setting"),
            DriftCategories.Runtime => Runtime(change, item, sides),
            DriftCategories.Dependency => Dependency(change, item, sides),
            DriftCategories.Schema => Schema(change, item, sides),
            DriftCategories.Migration => Migration(change, item, sides),
            DriftCategories.Resource => Resource(change, item, sides),
            DriftCategories.Endpoint => Endpoint(change, item, sides),
            _ => Generic(change, item, sides),
        };
    }

    /// <summary>The two environments' names and the item's two values (null where absent).</summary>
    private readonly record struct Sides(string L, string R, string? LeftValue, string? RightValue)
    {
        /// <summary><c>"a" in uat and "b" in prod</c> when both values are short enough to quote, else <c>different in prod than in uat</c>.</summary>
        public string Values(string different = "different") =>
            Quote(LeftValue) is { } a && Quote(RightValue) is { } b ? $"{a} in {L} and {b} in {R}" : $"{different} in {R} than in {L}";
    }

    private static (DriftRisk, string) Setting(DriftChange change, SnapshotItem item, Sides s, string noun) => change switch
    {
        DriftChange.Missing => (DriftRisk.Medium,
            Sentence($"{noun} {item.Key} is set in {s.L} but not in {s.R}: {s.R} falls back to a default (or fails at startup) where {s.L} used a value.")),
        DriftChange.Unexpected => (DriftRisk.Low,
            Sentence($"{noun} {item.Key} is set only in {s.R}: it changes behaviour in {s.R} in a way {s.L} never exercised.")),
        _ => (DriftRisk.Medium, Sentence(ChangedSetting(noun, item, s))),
    };

    private static string ChangedSetting(string noun, SnapshotItem item, Sides s)
    {
        var a = s.LeftValue ?? string.Empty;
        var b = s.RightValue ?? string.Empty;
        if (LooksLikeUrl(a) && LooksLikeUrl(b))
        {
            return $"{noun} {item.Key} points to another address in {s.R} ({s.Values("another one")}): calls go to a different service or host than {s.L} tested; check it is the intended one.";
        }

        if (IsBool(a) && IsBool(b))
        {
            return $"{noun} {item.Key} is {s.Values()}: a feature or behaviour switch differs between the environments.";
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return $"{noun} {item.Key} is {s.Values()}: a timeout, size, pool or limit that differs changes behaviour under load.";
        }

        return $"{noun} {item.Key} is {s.Values()}: {s.R} runs with a value {s.L} never tested.";
    }

    private static (DriftRisk, string) Runtime(DriftChange change, SnapshotItem item, Sides s) => item.Kind switch
    {
        DriftItemKinds.RuntimeVersion => RuntimeVersion(change, item, s),
        DriftItemKinds.Crypto => (DriftRisk.High, Sentence(Crypto(change, item, s))),
        DriftItemKinds.Os => change == DriftChange.Changed
            ? (DriftRisk.Medium, Sentence($"{s.R} runs on another OS release than {s.L} ({s.Values("another one")}): system libraries, OpenSSL and the default certificates change with it."))
            : (DriftRisk.Low, Sentence($"The OS fact {item.Key} is known only in {(change == DriftChange.Missing ? s.L : s.R)}: the two hosts could not be compared on it.")),
        DriftItemKinds.Kernel => (DriftRisk.Low,
            Sentence($"The kernel ({item.Key}) is {s.Values()}: rarely a cause on its own, but cgroup, network and file-system behaviour follow it.")),
        DriftItemKinds.TimeZone => (DriftRisk.Low,
            Sentence($"The time zone is {s.Values()}: dates computed or printed without an explicit zone (reports, cut-offs, cron) come out differently.")),
        DriftItemKinds.Locale => (DriftRisk.Low,
            Sentence($"The locale ({item.Key}) is {s.Values()}: number, date and text formatting and sorting that depend on the culture differ.")),
        DriftItemKinds.Limit => Limit(change, item, s),
        _ => Generic(change, item, s),
    };

    private static (DriftRisk, string) RuntimeVersion(DriftChange change, SnapshotItem item, Sides s)
    {
        var name = RuntimeName(item.Key);
        switch (change)
        {
            case DriftChange.Missing:
                return (DriftRisk.High, Sentence($"{RuntimePhrase(item.Key)} is present in {s.L} ({Quote(s.LeftValue) ?? "a version"}), missing in {s.R}: a service that needs it cannot start there."));
            case DriftChange.Unexpected:
                return (DriftRisk.Low, Sentence($"{RuntimePhrase(item.Key)} is installed only in {s.R}: harmless unless something picks it up instead of the intended one."));
        }

        var legacyJava = item.Key.Contains("java", StringComparison.OrdinalIgnoreCase);
        var distance = LooseVersion.DistanceOfLists(s.LeftValue, s.RightValue, legacyJava);
        if (distance == VersionDistance.Minor && IsDatabaseServer(item.Key) && IsPostgreSqlNumbering(s.LeftValue) && IsPostgreSqlNumbering(s.RightValue))
        {
            // PostgreSQL from 10 on numbers releases major.minor, and its minor releases are bug-fix releases.
            distance = VersionDistance.Patch;
        }

        return distance switch
        {
            VersionDistance.Major => (DriftRisk.High,
                Sentence($"{name} is {s.Values()}: another major version changes defaults ({(IsDatabaseServer(item.Key) ? "SQL behaviour, the planner, removed features" : "TLS, garbage collection, removed APIs")}) that {s.L} never tested.")),
            VersionDistance.Minor => (DriftRisk.Medium,
                Sentence($"{name} is {s.Values()}: a minor version apart, with new defaults and fixes {s.L} has not run with.")),
            VersionDistance.Patch or VersionDistance.Same => (DriftRisk.Low,
                Sentence($"{name} is {s.Values()}: a patch apart, usually only fixes, but security patches can tighten TLS or parsing.")),
            _ => (DriftRisk.Medium,
                Sentence($"{name} is {s.Values()}: the versions could not be read as numbers, so how far apart they are is unknown.")),
        };
    }

    private static string Crypto(DriftChange change, SnapshotItem item, Sides s)
    {
        var key = item.Key;
        var present = change == DriftChange.Missing ? s.L : s.R;
        var absent = change == DriftChange.Missing ? s.R : s.L;
        if (Has(key, "cacerts") || Has(key, "truststore"))
        {
            if (change != DriftChange.Changed)
            {
                return $"{Possessive(present)} Java truststore (cacerts) was found, {Possessive(absent)} was not: without trusted CAs every TLS call from the JVM fails with PKIX path building failed.";
            }

            var left = ResourceQuantity.Parse(s.LeftValue);
            var right = ResourceQuantity.Parse(s.RightValue);
            if (right == 0 || left == 0)
            {
                var (empty, full, count) = right == 0 ? (s.R, s.L, s.LeftValue) : (s.L, s.R, s.RightValue);
                return $"{Possessive(empty)} Java truststore (cacerts) has 0 entries where {full} has {count}: every TLS call from the JVM fails with InvalidAlgorithmParameterException (trustAnchors parameter must be non-empty).";
            }

            return $"{Possessive(s.R)} Java truststore (cacerts) has {s.RightValue} entries where {s.L} has {s.LeftValue}: a server certificate trusted in {s.L} can fail in {s.R} with PKIX path building failed.";
        }

        var what = change switch
        {
            DriftChange.Missing => $"is set in {s.L} ({Quote(s.LeftValue) ?? "a value"}) but not in {s.R}",
            DriftChange.Unexpected => $"is set in {s.R} ({Quote(s.RightValue) ?? "a value"}) but not in {s.L}",
            _ => $"is {s.Values()}",
        };
        if (Has(key, "disabledalgorithms"))
        {
            return $"Java's {Tail(key)} {what}: a protocol or algorithm one side still uses (TLSv1.1, 3DES, SHA-1 certificates) is disabled on the other and the handshake fails with SSLHandshakeException.";
        }

        if (Has(key, "java") && Has(key, "crypto.policy"))
        {
            return $"Java's crypto.policy {what}: with a limited policy, strong keys (AES-256) that work elsewhere throw InvalidKeyException (Illegal key size).";
        }

        if (Has(key, "minprotocol") || Has(key, "maxprotocol"))
        {
            return $"OpenSSL's {Tail(key)} {what}: handshakes with peers one side accepts fail on the other (protocol version or no shared protocol errors).";
        }

        if (Has(key, "seclevel") || Has(key, "securitylevel") || Has(key, "cipherstring") || Has(key, "ciphersuites"))
        {
            return $"OpenSSL's {Tail(key)} {what}: certificates with short keys or SHA-1 signatures, and ciphers one side accepts, are rejected on the other.";
        }

        if (Has(key, "policy"))
        {
            return $"The system-wide crypto policy ({key}) {what}: TLS versions, ciphers and key sizes one side negotiates can be refused on the other.";
        }

        return $"The crypto setting {key} {what}: TLS handshakes or certificate checks that pass in {s.L} can fail in {s.R}.";
    }

    private static (DriftRisk, string) Limit(DriftChange change, SnapshotItem item, Sides s)
    {
        var what = LimitName(item);
        var left = ResourceQuantity.Parse(s.LeftValue) ?? (change == DriftChange.Unexpected ? double.PositiveInfinity : null);
        var right = ResourceQuantity.Parse(s.RightValue) ?? (change == DriftChange.Missing ? double.PositiveInfinity : null);
        if (left is { } a && right is { } b)
        {
            if (b < a)
            {
                var shown = change == DriftChange.Unexpected ? $"is {Quote(s.RightValue) ?? "set"} in {s.R} and unlimited in {s.L}" : $"is {s.Values()}";
                return (DriftRisk.Medium, Sentence($"The {what} {item.Key} {shown}: tighter in {s.R}, so loads {s.L} handled can be throttled or killed (OOMKilled, CPU throttling) there."));
            }

            if (b > a)
            {
                var shown = change == DriftChange.Missing ? $"is {Quote(s.LeftValue) ?? "set"} in {s.L} and unlimited in {s.R}" : $"is {s.Values()}";
                return (DriftRisk.Low, Sentence($"The {what} {item.Key} {shown}: looser in {s.R}, so {s.L} is the stricter test; capacity planning differs."));
            }

            return (DriftRisk.Low, Sentence($"The {what} {item.Key} is written differently ({s.Values()}) but is the same amount."));
        }

        return (DriftRisk.Medium, Sentence($"The {what} {item.Key} is {s.Values()}: the amounts could not be compared, so {s.R} may be tighter."));
    }

    private static (DriftRisk, string) Dependency(DriftChange change, SnapshotItem item, Sides s)
    {
        switch (change)
        {
            case DriftChange.Missing:
                return (DriftRisk.Medium, Sentence($"The package {item.Key} is resolved in {s.L} ({Quote(s.LeftValue) ?? "a version"}), not in {s.R}: code that loads it fails in {s.R} (class or module not found) unless nothing uses it."));
            case DriftChange.Unexpected:
                return (DriftRisk.Low, Sentence($"The package {item.Key} is resolved only in {s.R}: a different dependency graph was built there."));
        }

        return LooseVersion.DistanceOfLists(s.LeftValue, s.RightValue) switch
        {
            VersionDistance.Major => (DriftRisk.High,
                Sentence($"The package {item.Key} is {s.Values()}: another major version may remove or change the APIs the service calls (MissingMethodException, NoSuchMethodError, TypeError).")),
            VersionDistance.Minor => (DriftRisk.Medium,
                Sentence($"The package {item.Key} is {s.Values()}: a minor version apart, with behaviour changes {s.L} has not tested.")),
            VersionDistance.Patch or VersionDistance.Same => (DriftRisk.Low,
                Sentence($"The package {item.Key} is {s.Values()}: a patch apart, usually only fixes.")),
            _ => (DriftRisk.Medium,
                Sentence($"The package {item.Key} is {s.Values()}: the versions could not be read as numbers, so how far apart they are is unknown.")),
        };
    }

    private static (DriftRisk, string) Schema(DriftChange change, SnapshotItem item, Sides s)
    {
        var noun = SchemaNoun(item.Kind);
        if (change == DriftChange.Unexpected)
        {
            return (DriftRisk.Low, Sentence($"The {noun} {item.Key} exists only in {s.R}: usually harmless, but {s.R} may accept or reject writes differently than {s.L} tested."));
        }

        if (change == DriftChange.Changed)
        {
            return item.Kind == DriftItemKinds.Column
                ? (DriftRisk.Medium, Sentence($"The column {item.Key} is {s.Values("defined differently")}: its type, nullability or default differ, so writes accepted in {s.L} can fail or store other values in {s.R}."))
                : (DriftRisk.Medium, Sentence($"The {noun} {item.Key} is {s.Values("defined differently")}: queries and writes that depend on it behave differently."));
        }

        return item.Kind switch
        {
            DriftItemKinds.Table => (DriftRisk.High, Sentence($"The table {item.Key} exists in {s.L}, not in {s.R}: every query using it fails in {s.R} (relation does not exist).")),
            DriftItemKinds.Column => (DriftRisk.High, Sentence($"The column {item.Key} exists in {s.L}, not in {s.R}: queries that read or write it fail in {s.R} (column does not exist).")),
            DriftItemKinds.View => (DriftRisk.High, Sentence($"The view {item.Key} exists in {s.L}, not in {s.R}: queries that select from it fail in {s.R}.")),
            DriftItemKinds.Function => (DriftRisk.High, Sentence($"The function {item.Key} exists in {s.L}, not in {s.R}: calls to it fail in {s.R} (function does not exist).")),
            DriftItemKinds.Sequence => (DriftRisk.High, Sentence($"The sequence {item.Key} exists in {s.L}, not in {s.R}: inserts that draw ids from it fail in {s.R}.")),
            DriftItemKinds.EnumType => (DriftRisk.High, Sentence($"The enum type {item.Key} exists in {s.L}, not in {s.R}: columns and casts that use it fail in {s.R}.")),
            DriftItemKinds.Extension => (DriftRisk.High, Sentence($"The extension {item.Key} is installed in {s.L}, not in {s.R}: the types and functions it provides are missing in {s.R}.")),
            DriftItemKinds.Index => (DriftRisk.Medium, Sentence($"The index {item.Key} exists in {s.L}, not in {s.R}: queries that use it scan the table in {s.R} and slow down under load (and a missing unique index lets duplicates in).")),
            DriftItemKinds.Constraint => (DriftRisk.Medium, Sentence($"The constraint {item.Key} exists in {s.L}, not in {s.R}: {s.R} accepts rows {s.L} rejects (duplicates, orphans, nulls, out-of-range values).")),
            DriftItemKinds.Trigger => (DriftRisk.Medium, Sentence($"The trigger {item.Key} exists in {s.L}, not in {s.R}: what it does on each write (audit rows, derived columns) silently does not happen in {s.R}.")),
            _ => (DriftRisk.Medium, Sentence($"The {noun} {item.Key} exists in {s.L}, not in {s.R}: code that relies on it behaves differently in {s.R}.")),
        };
    }

    private static (DriftRisk, string) Migration(DriftChange change, SnapshotItem item, Sides s) => change switch
    {
        DriftChange.Missing => (DriftRisk.High,
            Sentence($"The migration {item.Key} is applied in {s.L}, not in {s.R}: {Possessive(s.R)} schema lacks what it changes, and code that expects it fails there.")),
        DriftChange.Unexpected => (DriftRisk.Low,
            Sentence($"The migration {item.Key} is applied only in {s.R}: {Possessive(s.R)} schema is ahead of what {s.L} tested.")),
        _ => (DriftRisk.Medium,
            Sentence($"The migration {item.Key} is recorded differently ({s.Values()}): a changed checksum or a failed run means the schemas can differ although the same migration ran.")),
    };

    private static (DriftRisk, string) Resource(DriftChange change, SnapshotItem item, Sides s) => item.Kind switch
    {
        DriftItemKinds.Limit or DriftItemKinds.Request => Limit(change, item, s),
        DriftItemKinds.Replicas => (DriftRisk.Low, change == DriftChange.Changed
            ? Sentence($"The workload {item.Key} runs {s.Values()} replicas: capacity and failover differ, which is often intended.")
            : Sentence($"The replica count of {item.Key} is known only in {(change == DriftChange.Missing ? s.L : s.R)}.")),
        DriftItemKinds.Image => (DriftRisk.Low, change == DriftChange.Changed
            ? Sentence($"The image of {item.Key} is {s.Values()}: another build runs in {s.R} than the one tested in {s.L}.")
            : Sentence($"The image of {item.Key} is deployed only in {(change == DriftChange.Missing ? s.L : s.R)}.")),
        _ => (DriftRisk.Low, Sentence($"The resource setting {item.Key} is {ChangeWords(change, s)}.")),
    };

    private static (DriftRisk, string) Endpoint(DriftChange change, SnapshotItem item, Sides s)
    {
        var rightDown = IsUnreachable(s.RightValue);
        if (change != DriftChange.Missing && rightDown && !IsUnreachable(s.LeftValue))
        {
            var from = s.LeftValue switch
            {
                null => $" (and not named in {Possessive(s.L)} configuration)",
                "reachable" => $" but reachable from {s.L}",
                _ => $" ({s.L}: {Quote(s.LeftValue) ?? "another result"})",
            };
            return (DriftRisk.High, Sentence($"The endpoint {item.Key} is unreachable from {s.R} ({Quote(s.RightValue) ?? "probe failed"}){from}: calls to it fail in {s.R}."));
        }

        if (change == DriftChange.Changed && (s.LeftValue == NotProbed || s.RightValue == NotProbed))
        {
            return (DriftRisk.Low, Sentence($"The endpoint {item.Key} was probed in only one environment ({s.Values()}): nothing to compare."));
        }

        return change switch
        {
            DriftChange.Missing => (DriftRisk.Low, Sentence($"The endpoint {item.Key} is named only in {Possessive(s.L)} configuration: {s.R} does not call it (its settings show why).")),
            DriftChange.Unexpected => (DriftRisk.Low, Sentence($"The endpoint {item.Key} is named only in {Possessive(s.R)} configuration: {s.L} never tested calls to it.")),
            _ => (DriftRisk.Medium, Sentence($"The endpoint {item.Key} probes {s.Values("differently")}: name resolution, connection or certificate differ from {Possessive(s.R)} side.")),
        };
    }

    private static (DriftRisk, string) Unreadable(DriftChange change, SnapshotItem item, Sides s) => change switch
    {
        // Medium, not low: an unreadable source hides whatever drift it holds, and the report cannot vouch for it.
        DriftChange.Missing => (DriftRisk.Medium, Sentence($"{s.L} could not read {item.Key} ({Reason(s.LeftValue)}) while {s.R} could: drift in what it holds cannot be ruled out.")),
        DriftChange.Unexpected => (DriftRisk.Medium, Sentence($"{s.R} could not read {item.Key} ({Reason(s.RightValue)}) while {s.L} could: drift in what it holds cannot be ruled out.")),
        _ => (DriftRisk.Low, Sentence($"Neither side could read {item.Key}, for different reasons ({s.Values()}).")),
    };

    private static (DriftRisk, string) Generic(DriftChange change, SnapshotItem item, Sides s) => change switch
    {
        DriftChange.Missing => (DriftRisk.Medium, Sentence($"The {item.Category} {item.Kind} {item.Key} is present in {s.L}, missing in {s.R}: {s.R} lacks something {s.L} was tested with.")),
        DriftChange.Unexpected => (DriftRisk.Low, Sentence($"The {item.Category} {item.Kind} {item.Key} is present only in {s.R}.")),
        _ => (DriftRisk.Medium, Sentence($"The {item.Category} {item.Kind} {item.Key} is {s.Values()}: {s.R} runs with something {s.L} never tested.")),
    };

    private static string ChangeWords(DriftChange change, Sides s) => change switch
    {
        DriftChange.Missing => $"set in {s.L}, not in {s.R}",
        DriftChange.Unexpected => $"set only in {s.R}",
        _ => s.Values(),
    };

    /// <summary>The reason of an unreadable item's value (<c>could not read: REASON</c>), clipped for a sentence.</summary>
    internal static string Reason(string? value)
    {
        const string prefix = "could not read: ";
        var reason = value is null ? "no reason given" : value.StartsWith(prefix, StringComparison.Ordinal) ? value[prefix.Length..] : value;
        return reason.Length <= 200 && !reason.Any(char.IsControl) ? reason : "see its value";
    }

    /// <summary>The value of an endpoint that was recorded without probing it.</summary>
    private const string NotProbed = "not probed";

    /// <summary>
    /// True for a probe result that says the endpoint could not be used: <c>unreachable: …</c>, <c>unresolvable: …</c>,
    /// <c>tls invalid: …</c>, <c>tls failed: …</c>, and the like from other collectors.
    /// </summary>
    internal static bool IsUnreachable(string? value)
    {
        if (value is null || value == NotProbed || value == "reachable")
        {
            return false;
        }

        string[] words = ["unreachable", "unresolvable", "could not", "cannot", "failed", "refused", "timed out", "timeout", "not resolve", "nxdomain", "invalid", "expired", "error"];
        foreach (var word in words)
        {
            if (value.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for a database server's version (<c>$ORDERS_DB:server_version</c>).</summary>
    private static bool IsDatabaseServer(string key) => key.EndsWith(":server_version", StringComparison.Ordinal);

    /// <summary>A two-number server version from 10 on (<c>16.4</c>, <c>16.4 (Debian 16.4-1)</c>): PostgreSQL's numbering.</summary>
    private static bool IsPostgreSqlNumbering(string? value) =>
        value is not null && TwoNumberVersion().Match(value) is { Success: true } match
        && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var major) && major >= 10;

    [GeneratedRegex(@"^\D*(\d+)\.\d+(?![.\d])", RegexOptions.CultureInvariant, 100)]
    private static partial Regex TwoNumberVersion();

    /// <summary><c>The Java runtime</c>, or <c>The runtime KEY</c> for a runtime without a known name.</summary>
    private static string RuntimePhrase(string key)
    {
        var name = RuntimeName(key);
        return name.StartsWith("The ", StringComparison.Ordinal) ? name : $"The {name} runtime";
    }

    /// <summary>A runtime's name for people: <c>java</c> → Java, <c>dotnet:Microsoft.AspNetCore.App</c> → .NET (Microsoft.AspNetCore.App).</summary>
    private static string RuntimeName(string key)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var (head, detail) = colon > 0 ? (key[..colon], key[(colon + 1)..]) : (key, null);
        if (IsDatabaseServer(key))
        {
            return $"The database server of {head}";
        }

        var name = head.ToLowerInvariant() switch
        {
            "java" or "jvm" or "jdk" or "jre" => "Java",
            "dotnet" or ".net" or "netcore" => ".NET",
            "node" or "nodejs" or "node.js" => "Node.js",
            "python" or "python3" => "Python",
            "openssl" => "OpenSSL",
            // Never start a sentence with a key: the first letter would be upper-cased.
            _ => "The runtime " + head,
        };
        return detail is null ? name : $"{name} ({detail})";
    }

    private static string LimitName(SnapshotItem item)
    {
        var kind = item.Kind == DriftItemKinds.Request ? "request" : "limit";
        return Has(item.Key, "memory") || Has(item.Key, "mem") ? $"memory {kind}" : Has(item.Key, "cpu") ? $"CPU {kind}" : kind;
    }

    private static string SchemaNoun(string kind) => kind switch
    {
        DriftItemKinds.EnumType => "enum type",
        _ => kind,
    };

    private static bool Has(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The setting's own name within a key: after the last ':' (<c>java:17:jdk.tls.disabledAlgorithms</c> →
    /// <c>jdk.tls.disabledAlgorithms</c>, <c>openssl:MinProtocol</c> → <c>MinProtocol</c>), or after <c>openssl.</c>.
    /// </summary>
    private static string Tail(string key)
    {
        var colon = key.LastIndexOf(':');
        if (colon >= 0 && colon < key.Length - 1)
        {
            return key[(colon + 1)..];
        }

        return key.StartsWith("openssl.", StringComparison.OrdinalIgnoreCase) && key.Length > 8 ? key[8..] : key;
    }

    private static string Possessive(string name) => name.EndsWith('s') ? name + "'" : name + "'s";

    private static string? Quote(string? value) =>
        value is null || value.Length > MaxQuotedValue || value.Any(char.IsControl) ? null : $"\"{value}\"";

    private static bool LooksLikeUrl(string value) =>
        value.Contains("://", StringComparison.Ordinal) || (value.Contains('.', StringComparison.Ordinal) && !value.Contains(' ', StringComparison.Ordinal) && !IsNumber(value) && value.Any(char.IsLetter) && value.Count(c => c == '.') >= 2);

    private static bool IsBool(string value) => value is "true" or "false" or "True" or "False" or "TRUE" or "FALSE" or "yes" or "no" or "on" or "off";

    private static bool IsNumber(string value) =>
        value.Length > 0 && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    /// <summary>Upper-cases the first letter, so a sentence may start with an environment's name.</summary>
    private static string Sentence(string text) =>
        text.Length == 0 || !char.IsLower(text[0]) ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
