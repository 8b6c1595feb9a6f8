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
    ];
}
