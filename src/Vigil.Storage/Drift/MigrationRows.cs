using System.Globalization;

namespace Vigil.Storage.Drift;

/// <summary>
/// Applied migrations from the history tables of the three common tools, one item per applied migration:
/// EF Core <c>__EFMigrationsHistory</c> (<c>efcore:MigrationId</c> = product version), Flyway
/// <c>flyway_schema_history</c> (<c>flyway:VERSION</c> = <c>description success|failed</c>; repeatable migrations
/// <c>flyway:R:description</c>, latest run) and Liquibase <c>DATABASECHANGELOG</c>
/// (<c>liquibase:ID:AUTHOR:FILENAME</c> = exec type). Column names are matched case-insensitively, since the tools
/// quote them differently per database.
/// </summary>
internal static class MigrationRows
{
    /// <summary>Adds the items for the rows of history table <paramref name="table"/>.</summary>
    public static void Add(string table, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows, SchemaItems items)
    {
        switch (table.ToLowerInvariant())
        {
            case "__efmigrationshistory":
                foreach (var row in rows)
                {
                    var id = Text(row, "MigrationId");
                    if (id is not null)
                    {
                        items.Migration("efcore:" + id, Text(row, "ProductVersion") ?? "");
                    }
                }

                break;
            case "flyway_schema_history":
                // In installed order, so a repeatable migration's latest run wins.
                foreach (var row in rows.OrderBy(r => Number(r, "installed_rank")))
                {
                    var type = Text(row, "type") ?? "";
                    if (type.Equals("SCHEMA", StringComparison.OrdinalIgnoreCase))
                    {
                        // Flyway's own "<< Flyway Schema Creation >>" marker, not a migration.
                        continue;
                    }

                    var description = Text(row, "description") ?? "";
                    var version = Text(row, "version");
                    var success = row.TryGetValue("success", out var s) && s is bool ok ? ok : Text(row, "success") is "1" or "true" or "True";
                    var key = version is null ? "flyway:R:" + description : "flyway:" + version;
                    items.Migration(key, $"{description} {(success ? "success" : "failed")}".Trim());
                }

                break;
            case "databasechangelog":
                foreach (var row in rows.OrderBy(r => Number(r, "orderexecuted")))
                {
                    var id = Text(row, "id");
                    if (id is not null)
                    {
                        items.Migration($"liquibase:{id}:{Text(row, "author")}:{Text(row, "filename")}", (Text(row, "exectype") ?? "executed").ToLowerInvariant());
                    }
                }

                break;
        }
    }

    private static string? Text(IReadOnlyDictionary<string, object?> row, string column) =>
        row.TryGetValue(column, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    private static long Number(IReadOnlyDictionary<string, object?> row, string column) =>
        row.TryGetValue(column, out var value) && value is not null && long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
