using System.Data;
using Microsoft.Data.Sqlite;
using Vigil.Core.Declarative;

namespace Vigil.Storage.State;

/// <summary>Declarative objects (verification plans, later checks, SLOs, ...) in the state database's <c>declarative_objects</c> table.</summary>
public sealed class SqliteDeclarativeStore : IDeclarativeStore
{
    private readonly SqliteStateStore _state;

    /// <summary>Creates the store over an open state database.</summary>
    public SqliteDeclarativeStore(SqliteStateStore state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _state = state;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeclarativeObject>> ListAsync(string? kind, CancellationToken cancellationToken)
    {
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = kind is null
            ? "SELECT kind, name, yaml, updated_at FROM declarative_objects ORDER BY kind, name"
            : "SELECT kind, name, yaml, updated_at FROM declarative_objects WHERE kind = $kind ORDER BY kind, name";
        if (kind is not null)
        {
            select.Parameters.AddWithValue("$kind", kind);
        }

        var objects = new List<DeclarativeObject>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            objects.Add(Read(reader));
        }

        return objects;
    }

    /// <inheritdoc />
    public async Task<DeclarativeObject?> GetAsync(string kind, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(name);
        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT kind, name, yaml, updated_at FROM declarative_objects WHERE kind = $kind AND name = $name";
        select.Parameters.AddWithValue("$kind", kind);
        select.Parameters.AddWithValue("$name", name);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <inheritdoc />
    public async Task ApplyAsync(IReadOnlyList<DeclarativeObject> upserts, IReadOnlyList<(string Kind, string Name)> deletes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upserts);
        ArgumentNullException.ThrowIfNull(deletes);
        if (upserts.Any(o => string.IsNullOrEmpty(o.Kind) || string.IsNullOrEmpty(o.Name) || o.Yaml is null))
        {
            throw new ArgumentException("Every object needs a kind, a name and its YAML.", nameof(upserts));
        }

        await using var connection = await _state.OpenConnectionAsync(cancellationToken);
        // Immediate: take the write lock first, so two applies serialise instead of failing on upgrade.
        await using var transaction = connection.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        await using (var upsert = connection.CreateCommand())
        {
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO declarative_objects (kind, name, yaml, updated_at) VALUES ($kind, $name, $yaml, $updated_at)
                ON CONFLICT (kind, name) DO UPDATE SET yaml = excluded.yaml, updated_at = excluded.updated_at
                """;
            var kind = upsert.Parameters.Add("$kind", SqliteType.Text);
            var name = upsert.Parameters.Add("$name", SqliteType.Text);
            var yaml = upsert.Parameters.Add("$yaml", SqliteType.Text);
            var updatedAt = upsert.Parameters.Add("$updated_at", SqliteType.Text);
            foreach (var o in upserts)
            {
                (kind.Value, name.Value, yaml.Value, updatedAt.Value) = (o.Kind, o.Name, o.Yaml, StateTime.Format(o.UpdatedAt));
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM declarative_objects WHERE kind = $kind AND name = $name";
            var kind = delete.Parameters.Add("$kind", SqliteType.Text);
            var name = delete.Parameters.Add("$name", SqliteType.Text);
            foreach (var (k, n) in deletes)
            {
                (kind.Value, name.Value) = (k, n);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static DeclarativeObject Read(SqliteDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), StateTime.Parse(reader.GetString(3)));
}
