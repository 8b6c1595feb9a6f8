namespace Vigil.Storage.State;

/// <summary>
/// The state schema, in order. Features extend it by appending a migration with the next version number; the
/// migrator applies at open whatever a database has not seen yet.
/// </summary>
internal static class StateMigrations
{
    /// <summary>Every migration, ordered by version.</summary>
    public static IReadOnlyList<StateMigration> All { get; } =
    [
        new(1, "api_keys", """
            CREATE TABLE api_keys (
                id            TEXT PRIMARY KEY,
                name          TEXT NOT NULL,
                scope         TEXT NOT NULL CHECK (scope IN ('ingest', 'read', 'admin')),
                -- SHA-256 of the UTF-8 secret; the secret itself is never stored.
                secret_sha256 BLOB NOT NULL UNIQUE,
                created_at    TEXT NOT NULL,
                revoked_at    TEXT
            ) STRICT;
            CREATE INDEX api_keys_created_at ON api_keys (created_at, id);
            """),
        new(2, "releases_verification_declarative", """
            CREATE TABLE releases (
                id          TEXT PRIMARY KEY,
                service     TEXT NOT NULL,
                version     TEXT NOT NULL,
                environment TEXT NOT NULL,
                commit_sha  TEXT,
                author      TEXT,
                notes       TEXT,
                links_json  TEXT NOT NULL DEFAULT '[]',
                started_at  TEXT NOT NULL,
                state       TEXT NOT NULL,
                source      TEXT NOT NULL,
                created_at  TEXT NOT NULL,
                UNIQUE (service, version, environment)
            ) STRICT;
            CREATE INDEX releases_started_at ON releases (started_at DESC, id);
            CREATE INDEX releases_service_environment ON releases (service, environment, started_at DESC);

            CREATE TABLE release_events (
                id         INTEGER PRIMARY KEY AUTOINCREMENT,
                release_id TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
                at         TEXT NOT NULL,
                kind       TEXT NOT NULL,
                message    TEXT NOT NULL,
                actor      TEXT,
                data_json  TEXT
            ) STRICT;
            CREATE INDEX release_events_release ON release_events (release_id, id);

            CREATE TABLE verification_runs (
                id                 TEXT PRIMARY KEY,
                release_id         TEXT NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
                plan_name          TEXT NOT NULL,
                plan_yaml          TEXT NOT NULL,
                mode               TEXT NOT NULL,
                baseline_version   TEXT,
                state              TEXT NOT NULL,
                started_at         TEXT NOT NULL,
                ended_at           TEXT,
                verdict            TEXT,
                latest_json        TEXT,
                overridden_verdict TEXT,
                override_reason    TEXT,
                abort_reason       TEXT
            ) STRICT;
            CREATE INDEX verification_runs_release ON verification_runs (release_id, started_at DESC);
            CREATE INDEX verification_runs_state ON verification_runs (state);

            CREATE TABLE verification_intervals (
                run_id            TEXT NOT NULL REFERENCES verification_runs (id) ON DELETE CASCADE,
                look              INTEGER NOT NULL,
                end_ms            INTEGER NOT NULL,
                verdict_json      TEXT NOT NULL,
                observations_json TEXT NOT NULL,
                PRIMARY KEY (run_id, look)
            ) STRICT;

            CREATE TABLE declarative_objects (
                kind       TEXT NOT NULL,
                name       TEXT NOT NULL,
                yaml       TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (kind, name)
            ) STRICT;
            """),
        new(3, "check_results", """
            CREATE TABLE check_results (
                id          INTEGER PRIMARY KEY AUTOINCREMENT,
                check_name  TEXT NOT NULL,
                location    TEXT NOT NULL,
                started_at  TEXT NOT NULL,
                outcome     TEXT NOT NULL,
                result_json TEXT NOT NULL
            ) STRICT;
            CREATE INDEX check_results_check_location ON check_results (check_name, location, id);
            CREATE INDEX check_results_check_started ON check_results (check_name, started_at DESC, id DESC);
            """),
    ];
}
