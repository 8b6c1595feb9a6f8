namespace Vigil.Core.Drift;

/// <summary>The categories of a snapshot's items; the report groups by them.</summary>
public static class DriftCategories
{
    /// <summary>Environment variables.</summary>
    public const string Environment = "env";

    /// <summary>Configuration file keys, flattened to key paths with overlays resolved.</summary>
    public const string Config = "config";

    /// <summary>OS, kernel, runtimes, crypto facts, time zone, locale, CPU and memory limits.</summary>
    public const string Runtime = "runtime";

    /// <summary>Resolved package versions from lock files and manifests.</summary>
    public const string Dependency = "dependency";

    /// <summary>Database schema objects.</summary>
    public const string Schema = "schema";

    /// <summary>Applied database migrations (EF Core, Flyway, Liquibase).</summary>
    public const string Migration = "migration";

    /// <summary>Kubernetes resources: images, requests, limits, replicas.</summary>
    public const string Resource = "resource";

    /// <summary>External endpoints named in configuration, and whether they were reachable from the host.</summary>
    public const string Endpoint = "endpoint";
}

/// <summary>
/// The kind of thing an item is, within its category. Risk rules key on it (a missing <see cref="Column"/> is high).
/// </summary>
public static class DriftItemKinds
{
#pragma warning disable CS1591 // the names say what they are
    public const string Variable = "variable";
    public const string ConfigKey = "key";
    public const string Os = "os";
    public const string Kernel = "kernel";
    public const string RuntimeVersion = "runtime";
    public const string Crypto = "crypto";
    public const string TimeZone = "timezone";
    public const string Locale = "locale";
    public const string Limit = "limit";
    public const string Package = "package";
    public const string Table = "table";
    public const string Column = "column";
    public const string Index = "index";
    public const string Constraint = "constraint";
    public const string View = "view";
    public const string Sequence = "sequence";
    public const string EnumType = "enum";
    public const string Extension = "extension";
    public const string Trigger = "trigger";
    public const string Function = "function";
    public const string AppliedMigration = "migration";
    public const string Image = "image";
    public const string Request = "request";
    public const string Replicas = "replicas";
    public const string EndpointTarget = "endpoint";
#pragma warning restore CS1591

    /// <summary>A source that could not be read: the item's value is <c>could not read: reason</c>.</summary>
    public const string Unreadable = "unreadable";
}

/// <summary>
/// A secret reduced to what can leave the host: that it is present, and a keyed hash (HMAC-SHA256 with
/// <c>VIGIL_DRIFT_KEY</c>, hex) when the key is set, so "same secret or not" is answerable without the value.
/// </summary>
/// <param name="Hmac">Lower-case hex HMAC-SHA256 of the value, or null when no key was set.</param>
public sealed record SecretFingerprint(string? Hmac);

/// <summary>
/// One fact of a snapshot. Items are matched across snapshots by (Category, Key).
/// </summary>
/// <param name="Category">One of <see cref="DriftCategories"/>.</param>
/// <param name="Kind">One of <see cref="DriftItemKinds"/>.</param>
/// <param name="Key">
/// The item's identity within its category, stable across hosts: a variable name, a flattened config path
/// (<c>ConnectionStrings:Orders</c>, prefixed by the file's name without its environment overlay), <c>dotnet</c>,
/// <c>nuget:Newtonsoft.Json</c>, <c>public.orders.total</c> for a column, <c>efcore:20240101_Init</c>, ...
/// </param>
/// <param name="Value">The value (normalised so formatting does not create drift), or null for a secret.</param>
/// <param name="Source">Where it came from (file path relative to the root, <c>$PROD_DB</c>, ...), redacted like values.</param>
/// <param name="Secret">Set when the value is a secret: then <paramref name="Value"/> is null.</param>
public sealed record SnapshotItem(string Category, string Kind, string Key, string? Value, string? Source, SecretFingerprint? Secret = null);

/// <summary>Everything collected from one environment (optionally one service) at one time.</summary>
/// <param name="Environment">The environment name (<c>uat</c>, <c>prod</c>).</param>
/// <param name="Service">The service, or null for the whole host.</param>
/// <param name="TakenAt">When it was collected.</param>
/// <param name="Host">The host name it was collected on.</param>
/// <param name="Items">Every item, ordered by category then key.</param>
public sealed record DriftSnapshot(string Environment, string? Service, DateTimeOffset TakenAt, string Host, IReadOnlyList<SnapshotItem> Items);

/// <summary>What one collector needs.</summary>
/// <param name="Root">Every file is read under this folder (default <c>/</c>).</param>
/// <param name="EnvironmentName">The snapshot's environment (used for overlays such as appsettings.{Env}.json when no variable says otherwise).</param>
/// <param name="Variables">The process environment variables to record.</param>
/// <param name="DatabaseVariables">Names of environment variables holding database connection strings (<c>--db-env</c>).</param>
/// <param name="Manifests">Extra files given with <c>--manifest</c> (Kubernetes/Helm output, <c>mvn dependency:list</c>).</param>
/// <param name="ProbeEndpoints">Whether endpoints named in configuration are probed from this host.</param>
/// <param name="Secrets">Recognises and reduces secrets.</param>
public sealed record SnapshotContext(
    string Root,
    string EnvironmentName,
    IReadOnlyDictionary<string, string> Variables,
    IReadOnlyList<string> DatabaseVariables,
    IReadOnlyList<string> Manifests,
    bool ProbeEndpoints,
    ISecretRedactor Secrets);

/// <summary>Decides what is secret and reduces secrets to fingerprints.</summary>
public interface ISecretRedactor
{
    /// <summary>True when a value under <paramref name="name"/> (a variable or key path) is a secret, by name or by value shape.</summary>
    bool IsSecret(string name, string value);

    /// <summary>The fingerprint of a secret value.</summary>
    SecretFingerprint Fingerprint(string value);

    /// <summary>Text with any secret inside it replaced (connection-string passwords, tokens), for sources and error messages.</summary>
    string Redact(string text);
}

/// <summary>
/// One collector of a snapshot (environment, configuration files, runtime, dependencies, database schema, ...). A source
/// that fails adds an <see cref="DriftItemKinds.Unreadable"/> item with the reason and never aborts the snapshot.
/// </summary>
public interface ISnapshotSource
{
    /// <summary>A short name for messages (<c>config</c>, <c>postgres</c>).</summary>
    string Name { get; }

    /// <summary>Adds this source's items to <paramref name="items"/>.</summary>
    Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken);
}
