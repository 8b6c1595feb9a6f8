using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// The schema of every database named by <see cref="SnapshotContext.DatabaseVariables"/> (<c>--db-env</c>), each read
/// by <see cref="PostgresSchemaSource"/> or <see cref="SqliteSchemaSource"/> chosen by the shape of the variable's value
/// (<c>Host=...</c> or <c>postgresql://...</c> is PostgreSQL; <c>Data Source=FILE</c>, <c>file:</c> or a path is SQLite).
/// A collector adds this one source and every <c>--db-env</c> is covered.
/// </summary>
public sealed class DatabaseSchemaSource : ISnapshotSource
{
    /// <inheritdoc />
    public string Name => "database";

    /// <summary>The source for one variable, chosen by the shape of its value (PostgreSQL when unset, so the item says so).</summary>
    /// <param name="variable">The environment variable's name.</param>
    /// <param name="value">Its value, or null when unset.</param>
    public static ISnapshotSource For(string variable, string? value) =>
        value is not null && DatabaseVariable.IsSqlite(value) ? new SqliteSchemaSource(variable) : new PostgresSchemaSource(variable);

    /// <inheritdoc />
    public async Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        foreach (var variable in context.DatabaseVariables.Distinct(StringComparer.Ordinal))
        {
            await For(variable, DatabaseVariable.Read(context, variable)).CollectAsync(context, items, cancellationToken);
        }
    }
}
