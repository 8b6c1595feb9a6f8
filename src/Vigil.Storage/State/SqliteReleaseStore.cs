using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Vigil.Core.Releases;

namespace Vigil.Storage.State;

/// <summary>
/// Releases and their timelines in the state database (tables <c>releases</c> and <c>release_events</c>).
/// (Service, version, environment) is unique: <see cref="CreateOrGetAsync(NewRelease, DateTimeOffset, CancellationToken)"/>
/// inserts with <c>ON CONFLICT DO NOTHING</c> and reads the row back in one write transaction, so concurrent creations
/// of the same release (CI retries, telemetry and CI at once, two servers on one file) all answer the same release and
/// exactly one of them appends <see cref="ReleaseEventKinds.Created"/>.
/// </summary>
public sealed class SqliteReleaseStore : IReleaseStore
{
    /// <summary>The longest service, version or environment: 200 characters, longer than any real label value.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The longest commit: 100 characters (a SHA-256 commit id is 64 hex digits).</summary>
    public const int MaxCommitLength = 100;

    /// <summary>The longest author: 200 characters.</summary>
    public const int MaxAuthorLength = 200;

    /// <summary>The longest notes: 10,000 characters, a long changelog.</summary>
    public const int MaxNotesLength = 10_000;

    /// <summary>The most links on one release: 20.</summary>
    public const int MaxLinks = 20;

    /// <summary>The longest link title: 200 characters.</summary>
    public const int MaxLinkTitleLength = 200;

    /// <summary>The longest link URL: 2,048 characters, what browsers and proxies reliably carry.</summary>
    public const int MaxLinkUrlLength = 2048;

    /// <summary>How far ahead of the server's clock a start time may be: 1 hour of clock skew between CI and server.</summary>
    public static readonly TimeSpan MaxStartSkew = TimeSpan.FromHours(1);

    /// <summary>How far back a start time may be: 366 days. Older is a mistake (seconds read as days, a zero date), not a release.</summary>
    public static readonly TimeSpan MaxStartAge = TimeSpan.FromDays(366);

    /// <summary>The most releases one listing returns: 1,000; larger limits are clamped.</summary>
    public const int MaxListLimit = 1000;

    /// <summary>The most events one timeline read returns: 10,000; larger limits are clamped.</summary>
    public const int MaxEventsLimit = 10_000;

    /// <summary>The longest event kind: 100 characters (kinds are short dotted names).</summary>
    public const int MaxEventKindLength = 100;

    // 64 random bits: a collision is retried, and would need billions of releases to be likely at all.
    private const int IdAttempts = 5;
    private const int SqliteConstraintError = 19;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintForeignKey = 787;

    private static readonly JsonSerializerOptions LinkJson = new(JsonSerializerDefaults.Web);

    private readonly SqliteStateStore _state;

    /// <summary>Creates a release store over an open state database.</summary>
    public SqliteReleaseStore(SqliteStateStore state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
    }

    /// <inheritdoc />
    /// <remarks>An existing release gets the details it lacked filled in, as in the overload with a state.</remarks>
    /// <exception cref="ArgumentException">A field is invalid (see <see cref="Check"/>); the message names it.</exception>
    public Task<(Release Release, bool Created)> CreateOrGetAsync(NewRelease release, DateTimeOffset now, CancellationToken cancellationToken) =>
        CreateOrGetAsync(release, ReleaseState.Pending, actor: null, now, cancellationToken);

    /// <summary>
    /// Creates the release in <paramref name="initialState"/> (telemetry creates the first version of a service in an
    /// environment as <see cref="ReleaseState.Baseline"/>), or returns the existing one (<c>Created</c> false) with
    /// only the details it lacked (commit, author, notes, links) filled in from <paramref name="release"/>: its
    /// identity, state, source and times never change, and no detail it has is overwritten. On creation appends <see cref="ReleaseEventKinds.Created"/> with <paramref name="actor"/>, in the same
    /// transaction, so no reader ever sees a release without its creation event.
    /// </summary>
    /// <exception cref="ArgumentException">A field is invalid (see <see cref="Check"/>); the message names it.</exception>
    public async Task<(Release Release, bool Created)> CreateOrGetAsync(
        NewRelease release, ReleaseState initialState, string? actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (Check(release, now) is { } error)
        {
            throw new ArgumentException($"{error.Field}: {error.Reason}", nameof(release));
        }

        if (!Enum.IsDefined(initialState))
        {
            throw new ArgumentOutOfRangeException(nameof(initialState), initialState, "Unknown release state.");
        }

        var links = release.Links ?? [];
        var startedAt = release.StartedAt ?? now;
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var id = NewId();

            // IMMEDIATE: the write lock is taken before the insert, so the read-back below sees either our row or the
            // row of the transaction that won, never a half-finished competitor.
            await using var transaction = connection.BeginTransaction(deferred: false);
            try
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = """
                    INSERT INTO releases (id, service, version, environment, commit_sha, author, notes, links_json, started_at, state, source, created_at)
                    VALUES ($id, $service, $version, $environment, $commit, $author, $notes, $links, $started_at, $state, $source, $created_at)
                    ON CONFLICT (service, version, environment) DO NOTHING
                    """;
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$service", release.Service);
                insert.Parameters.AddWithValue("$version", release.Version);
                insert.Parameters.AddWithValue("$environment", release.Environment);
                insert.Parameters.AddWithValue("$commit", (object?)release.Commit ?? DBNull.Value);
                insert.Parameters.AddWithValue("$author", (object?)release.Author ?? DBNull.Value);
                insert.Parameters.AddWithValue("$notes", (object?)release.Notes ?? DBNull.Value);
                insert.Parameters.AddWithValue("$links", JsonSerializer.Serialize(links, LinkJson));
                insert.Parameters.AddWithValue("$started_at", StateTime.Format(startedAt));
                insert.Parameters.AddWithValue("$state", StateText(initialState));
                insert.Parameters.AddWithValue("$source", SourceText(release.Source));
                insert.Parameters.AddWithValue("$created_at", StateTime.Format(now));
                var created = await insert.ExecuteNonQueryAsync(cancellationToken) == 1;
                if (created)
                {
                    await InsertEventAsync(
                        connection, transaction, id, now, ReleaseEventKinds.Created, CreatedMessage(release, initialState), actor,
                        CreatedData(release, initialState), cancellationToken);
                }
                else if (release.Commit is not null || release.Author is not null || release.Notes is not null || links.Count > 0)
                {
                    // CI often announces a release after its first pods already sent telemetry: the details it brings fill
                    // what the existing release lacks, and never overwrite what it has, so repeats stay idempotent.
                    await using var fill = connection.CreateCommand();
                    fill.Transaction = transaction;
                    fill.CommandText = """
                        UPDATE releases SET
                            commit_sha = coalesce(commit_sha, $commit),
                            author = coalesce(author, $author),
                            notes = coalesce(notes, $notes),
                            links_json = CASE WHEN links_json = '[]' THEN $links ELSE links_json END
                        WHERE service = $service AND version = $version AND environment = $environment
                        """;
                    fill.Parameters.AddWithValue("$service", release.Service);
                    fill.Parameters.AddWithValue("$version", release.Version);
                    fill.Parameters.AddWithValue("$environment", release.Environment);
                    fill.Parameters.AddWithValue("$commit", (object?)release.Commit ?? DBNull.Value);
                    fill.Parameters.AddWithValue("$author", (object?)release.Author ?? DBNull.Value);
                    fill.Parameters.AddWithValue("$notes", (object?)release.Notes ?? DBNull.Value);
                    fill.Parameters.AddWithValue("$links", JsonSerializer.Serialize(links, LinkJson));
                    await fill.ExecuteNonQueryAsync(cancellationToken);
                }

                var stored = await SelectAsync(
                    connection, transaction, "service = $service AND version = $version AND environment = $environment",
                    command =>
                    {
                        command.Parameters.AddWithValue("$service", release.Service);
                        command.Parameters.AddWithValue("$version", release.Version);
                        command.Parameters.AddWithValue("$environment", release.Environment);
                    },
                    cancellationToken) ?? throw new InvalidOperationException("A release vanished inside its own transaction.");
                await transaction.CommitAsync(cancellationToken);
                return (stored, created);
            }
            catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraintError && e.SqliteExtendedErrorCode == SqliteConstraintPrimaryKey && attempt < IdAttempts)
            {
                // An id collision (the triple's conflict is handled by DO NOTHING): roll back and try another id.
                await transaction.RollbackAsync(cancellationToken);
            }
        }
    }

    /// <inheritdoc />
    public async Task<Release?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        return await SelectAsync(connection, null, "id = $id", c => c.Parameters.AddWithValue("$id", id), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<Release?> FindAsync(string service, string version, string environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(environment);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        return await SelectAsync(
            connection, null, "service = $service AND version = $version AND environment = $environment",
            command =>
            {
                command.Parameters.AddWithValue("$service", service);
                command.Parameters.AddWithValue("$version", version);
                command.Parameters.AddWithValue("$environment", environment);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>The limit is clamped to 1..<see cref="MaxListLimit"/>; ties in start time are ordered by id.</remarks>
    public async Task<IReadOnlyList<Release>> ListAsync(ReleaseQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = $"""
            SELECT {Columns} FROM releases
            WHERE ($service IS NULL OR service = $service)
              AND ($environment IS NULL OR environment = $environment)
              AND ($state IS NULL OR state = $state)
            ORDER BY started_at DESC, id
            LIMIT $limit
            """;
        select.Parameters.AddWithValue("$service", (object?)query.Service ?? DBNull.Value);
        select.Parameters.AddWithValue("$environment", (object?)query.Environment ?? DBNull.Value);
        select.Parameters.AddWithValue("$state", query.State is { } state ? StateText(state) : DBNull.Value);
        select.Parameters.AddWithValue("$limit", Math.Clamp(query.Limit, 1, MaxListLimit));
        var releases = new List<Release>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            releases.Add(Read(reader));
        }

        return releases;
    }

    /// <inheritdoc />
    public async Task<bool> SetStateAsync(string id, ReleaseState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var text = StateText(state);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var update = connection.CreateCommand();
        update.CommandText = "UPDATE releases SET state = $state WHERE id = $id";
        update.Parameters.AddWithValue("$id", id);
        update.Parameters.AddWithValue("$state", text);
        return await update.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The kind is empty or too long, or <paramref name="dataJson"/> is not a JSON object.</exception>
    /// <exception cref="KeyNotFoundException">No release has this id.</exception>
    public async Task<ReleaseEvent> AppendEventAsync(
        string releaseId, DateTimeOffset at, string kind, string message, string? actor, string? dataJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(kind) || kind.Length > MaxEventKindLength)
        {
            throw new ArgumentException($"An event kind must be 1 to {MaxEventKindLength} characters.", nameof(kind));
        }

        if (dataJson is not null && !IsJsonObject(dataJson))
        {
            throw new ArgumentException("Event data must be a JSON object.", nameof(dataJson));
        }

        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        try
        {
            return await InsertEventAsync(connection, null, releaseId, at, kind, message, actor, dataJson, cancellationToken);
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteConstraintError && e.SqliteExtendedErrorCode == SqliteConstraintForeignKey)
        {
            throw new KeyNotFoundException($"No release has the id '{releaseId}'.", e);
        }
    }

    /// <inheritdoc />
    /// <remarks>The limit is clamped to 1..<see cref="MaxEventsLimit"/>.</remarks>
    public async Task<IReadOnlyList<ReleaseEvent>> EventsAsync(string releaseId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, release_id, at, kind, message, actor, data_json FROM release_events
            WHERE release_id = $release_id ORDER BY id LIMIT $limit
            """;
        select.Parameters.AddWithValue("$release_id", releaseId);
        select.Parameters.AddWithValue("$limit", Math.Clamp(limit, 1, MaxEventsLimit));
        var events = new List<ReleaseEvent>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new ReleaseEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                StateTime.Parse(reader.GetString(2)),
                reader.GetString(3),
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return events;
    }

    /// <summary>
    /// The first problem with a release to create, as the field it is in (<c>service</c>, <c>links[2].url</c>, ...) and
    /// what is wrong, or null when it is valid. Service, version and environment are required, at most
    /// <see cref="MaxNameLength"/> characters, without control characters; the commit has no spaces; notes may have
    /// line breaks and tabs but no other control characters; links need a title and an absolute http(s) URL; the start
    /// time lies between <see cref="MaxStartAge"/> before <paramref name="now"/> and <see cref="MaxStartSkew"/> after it.
    /// </summary>
    public static (string Field, string Reason)? Check(NewRelease release, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(release);
        if ((CheckName("service", release.Service) ?? CheckName("version", release.Version) ?? CheckName("environment", release.Environment)) is { } name)
        {
            return name;
        }

        if (release.Commit is { } commit && (commit.Length is 0 or > MaxCommitLength || commit.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            return ("commit", $"1 to {MaxCommitLength} characters without spaces or control characters");
        }

        if (release.Author is { } author && (string.IsNullOrWhiteSpace(author) || author.Length > MaxAuthorLength || author.Any(char.IsControl)))
        {
            return ("author", $"1 to {MaxAuthorLength} characters, not blank, without control characters");
        }

        if (release.Notes is { } notes && (notes.Length > MaxNotesLength || notes.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))))
        {
            return ("notes", $"at most {MaxNotesLength} characters, without control characters other than line breaks and tabs");
        }

        if (release.Links is { } links)
        {
            if (links.Count > MaxLinks)
            {
                return ("links", $"{links.Count} links, more than the limit of {MaxLinks}");
            }

            for (var i = 0; i < links.Count; i++)
            {
                if (CheckLink(links[i], $"links[{i}]") is { } link)
                {
                    return link;
                }
            }
        }

        if (release.StartedAt is { } started)
        {
            if (started > now + MaxStartSkew)
            {
                return ("startedAt", $"{StateTime.Format(started)} is more than {MaxStartSkew.TotalHours:0} hour ahead of the server's clock ({StateTime.Format(now)})");
            }

            if (started < now - MaxStartAge)
            {
                return ("startedAt", $"{StateTime.Format(started)} is more than {MaxStartAge.TotalDays:0} days before the server's clock ({StateTime.Format(now)})");
            }
        }

        return Enum.IsDefined(release.Source) ? null : ("source", "unknown release source");
    }

    /// <summary>A state as the API and the database spell it: <c>pending</c>, <c>verifying</c>, ... <c>baseline</c>.</summary>
    public static string StateText(ReleaseState state) => state switch
    {
        ReleaseState.Pending => "pending",
        ReleaseState.Verifying => "verifying",
        ReleaseState.Passed => "passed",
        ReleaseState.Marginal => "marginal",
        ReleaseState.Failed => "failed",
        ReleaseState.Inconclusive => "inconclusive",
        ReleaseState.Aborted => "aborted",
        ReleaseState.Baseline => "baseline",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown release state."),
    };

    /// <summary>Parses a state as <see cref="StateText"/> spells it (exactly, lowercase); false for anything else.</summary>
    public static bool TryParseState(string? text, out ReleaseState state)
    {
        foreach (var candidate in Enum.GetValues<ReleaseState>())
        {
            if (string.Equals(text, StateText(candidate), StringComparison.Ordinal))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>A source as the API and the database spell it: <c>api</c> or <c>telemetry</c>.</summary>
    public static string SourceText(ReleaseSource source) => source switch
    {
        ReleaseSource.Api => "api",
        ReleaseSource.Telemetry => "telemetry",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown release source."),
    };

    private const string Columns = "id, service, version, environment, commit_sha, author, notes, links_json, started_at, state, source, created_at";

    private static string NewId() => "rel_" + RandomNumberGenerator.GetHexString(16, lowercase: true);

    private static (string Field, string Reason)? CheckName(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return (field, "required, and not blank");
        }

        if (value.Length > MaxNameLength)
        {
            return (field, $"{value.Length} characters, more than the limit of {MaxNameLength}");
        }

        return value.Any(char.IsControl) ? (field, "must not contain control characters") : null;
    }

    private static (string Field, string Reason)? CheckLink(ReleaseLink? link, string field)
    {
        if (link is null)
        {
            return (field, "a link needs a title and a url");
        }

        if (string.IsNullOrWhiteSpace(link.Title) || link.Title.Length > MaxLinkTitleLength || link.Title.Any(char.IsControl))
        {
            return (field + ".title", $"1 to {MaxLinkTitleLength} characters, not blank, without control characters");
        }

        if (string.IsNullOrEmpty(link.Url) || link.Url.Length > MaxLinkUrlLength || link.Url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ||
            !Uri.TryCreate(link.Url, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
        {
            return (field + ".url", $"must be an absolute http or https URL of at most {MaxLinkUrlLength} characters");
        }

        return null;
    }

    private static string CreatedMessage(NewRelease release, ReleaseState state)
    {
        var what = $"{release.Service} {release.Version} in {release.Environment}";
        return release.Source == ReleaseSource.Telemetry
            ? state == ReleaseState.Baseline
                ? $"Telemetry showed {what}, the first version seen there: kept as the baseline, not verified."
                : $"Telemetry showed {what} for the first time."
            : release.Commit is { } commit
                ? $"Release {what} created at commit {commit}."
                : $"Release {what} created.";
    }

    private static string CreatedData(NewRelease release, ReleaseState state) =>
        JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["source"] = SourceText(release.Source),
            ["state"] = StateText(state),
        });

    private static bool IsJsonObject(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<ReleaseEvent> InsertEventAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string releaseId, DateTimeOffset at, string kind, string message,
        string? actor, string? dataJson, CancellationToken cancellationToken)
    {
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO release_events (release_id, at, kind, message, actor, data_json)
            VALUES ($release_id, $at, $kind, $message, $actor, $data)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$release_id", releaseId);
        insert.Parameters.AddWithValue("$at", StateTime.Format(at));
        insert.Parameters.AddWithValue("$kind", kind);
        insert.Parameters.AddWithValue("$message", message);
        insert.Parameters.AddWithValue("$actor", (object?)actor ?? DBNull.Value);
        insert.Parameters.AddWithValue("$data", (object?)dataJson ?? DBNull.Value);
        var id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        return new ReleaseEvent(id, releaseId, StateTime.Parse(StateTime.Format(at)), kind, message, actor, dataJson);
    }

    private static async Task<Release?> SelectAsync(
        SqliteConnection connection, SqliteTransaction? transaction, string where, Action<SqliteCommand> bind, CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = $"SELECT {Columns} FROM releases WHERE {where}";
        bind(select);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static Release Read(SqliteDataReader reader)
    {
        var stateText = reader.GetString(9);
        if (!TryParseState(stateText, out var state))
        {
            throw new InvalidOperationException($"The state database holds a release with an unknown state '{stateText}'.");
        }

        var sourceText = reader.GetString(10);
        var source = sourceText switch
        {
            "api" => ReleaseSource.Api,
            "telemetry" => ReleaseSource.Telemetry,
            _ => throw new InvalidOperationException($"The state database holds a release with an unknown source '{sourceText}'."),
        };

        return new Release(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            JsonSerializer.Deserialize<List<ReleaseLink>>(reader.GetString(7), LinkJson) ?? [],
            StateTime.Parse(reader.GetString(8)),
            state,
            source,
            StateTime.Parse(reader.GetString(11)));
    }
}
