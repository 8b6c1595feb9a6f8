using Microsoft.Data.Sqlite;
using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// The schema of a SQLite database file and its applied migrations, named by an environment variable holding a
/// connection string (<c>Data Source=/srv/app/orders.db</c>), a <c>file:</c> URI or a plain path. A rooted path is
/// looked up under the snapshot's root first (a planted or mounted tree), then as it is. The file is opened read-only
/// and never created. Keys follow <see cref="PostgresSchemaSource"/> with the schema <c>main</c>: <c>main.table</c>,
/// <c>main.table.column</c>, <c>main.table.index|trigger</c>, <c>main.view</c>; constraints SQLite does not name are
/// keyed the way PostgreSQL names them (<c>main.orders.orders_pkey</c>, <c>main.orders.orders_customer_id_fkey</c>,
/// <c>main.users.users_email_key</c>) and unnamed checks by their expression (<c>main.orders.check:total &gt;= 0</c>).
/// Indexes SQLite makes for UNIQUE and PRIMARY KEY constraints are constraints here, not indexes (their names depend
/// on declaration order). Names are lower-cased in keys and values, since SQLite compares them case-insensitively.
/// Every item's source is <c>$VARIABLE (sqlite)</c>. A failure becomes one
/// <see cref="DriftItemKinds.Unreadable"/> item (in the schema and the migration category) naming the file; this
/// source never throws for it.
/// </summary>
public sealed class SqliteSchemaSource : VariableSchemaSource
{
    /// <summary>A source for the database named by the environment variable <paramref name="variable"/>.</summary>
    /// <param name="variable">The variable's name (not its value), e.g. <c>ORDERS_DB</c>.</param>
    /// <param name="maxItems">At most this many items (then one truncation item); default <see cref="VariableSchemaSource.DefaultMaxItems"/>.</param>
    public SqliteSchemaSource(string variable, int maxItems = DefaultMaxItems)
        : base(variable, maxItems)
    {
    }

    /// <inheritdoc />
    public override string Name => "sqlite";

    /// <inheritdoc />
    private protected override string Engine => "sqlite";

    /// <inheritdoc />
    private protected override async Task CollectAsync(string value, SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        string path;
        try
        {
            path = PathOf(value);
        }
        catch (Exception error) when (DatabaseVariable.IsReadFailure(error, cancellationToken))
        {
            AddUnreadable(items, "bad connection string: " + DatabaseVariable.Redact(error.Message, context, value));
            return;
        }

        var collected = NewItems();
        try
        {
            var file = Resolve(context.Root, path);
            if (file is null)
            {
                collected.Unreadable(null, DatabaseVariable.Redact("no such file: " + path, context, null));
            }
            else
            {
                await ReadAsync(file, collected, cancellationToken);
            }
        }
        catch (Exception error) when (DatabaseVariable.IsReadFailure(error, cancellationToken))
        {
            collected.Unreadable(null, $"{DatabaseVariable.Reason(error, context, null)} ({DatabaseVariable.Redact(path, context, null)})");
        }

        collected.CopyTo(items);
    }

    /// <summary>The database file a connection string, <c>file:</c> URI or plain path names.</summary>
    internal static string PathOf(string value)
    {
        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            var uri = new Uri(value);
            return uri.LocalPath;
        }

        if (value.Contains('='))
        {
            var builder = new SqliteConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                throw new ArgumentException("no Data Source in the connection string");
            }

            return builder.DataSource;
        }

        return value;
    }

    /// <summary>The source of every item: the variable and the engine, the same in every environment (see <see cref="PostgresSchemaSource"/>).</summary>

    private static string? Resolve(string root, string path)
    {
        if (Path.IsPathRooted(path) && !string.IsNullOrEmpty(root) && Path.GetFullPath(root) != Path.GetPathRoot(Path.GetFullPath(root)))
        {
            var underRoot = Path.Combine(root, path.TrimStart('/', '\\'));
            if (File.Exists(underRoot))
            {
                return underRoot;
            }
        }

        return File.Exists(path) ? path : null;
    }

    private static async Task ReadAsync(string file, SchemaItems items, CancellationToken cancellationToken)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        var objects = new List<(string Type, string Name, string Table, string? Sql)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                // SQLite names are case-insensitive (even quoted ones): keys use them lower-cased, so IX_A and ix_a match.
                objects.Add((reader.GetString(0), reader.GetString(1).ToLowerInvariant(), reader.GetString(2).ToLowerInvariant(), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        var indexSql = objects.Where(o => o.Type == "index" && o.Sql is not null).ToDictionary(o => o.Name, o => o.Sql!, StringComparer.Ordinal);
        foreach (var (type, name, table, sql) in objects)
        {
            if (items.IsFull)
            {
                return;
            }

            var tokens = SchemaSql.Tokenize(sql);
            switch (type)
            {
                case "table":
                    items.Schema(DriftItemKinds.Table, "main." + name, TableKind(tokens));
                    await ReadTableAsync(connection, name, tokens, indexSql, items, cancellationToken);
                    await ReadMigrationsAsync(connection, name, items, cancellationToken);
                    break;
                case "view":
                    items.Schema(DriftItemKinds.View, "main." + name, SchemaSql.Join(tokens, SkipViewHeader(tokens)));
                    await ReadMigrationsAsync(connection, name, items, cancellationToken);
                    break;
                case "trigger":
                    items.Schema(DriftItemKinds.Trigger, $"main.{table}.{name}", SchemaSql.Join(tokens, SchemaSql.SkipCreatePrefix(tokens, "trigger")));
                    break;
            }
        }
    }

    private static string TableKind(List<string> tokens)
    {
        if (tokens.Count > 5 && tokens[1] == "virtual")
        {
            var usingAt = tokens.IndexOf("using");
            return usingAt > 0 && usingAt + 1 < tokens.Count ? "virtual table using " + tokens[usingAt + 1] : "virtual table";
        }

        // Table options after the closing parenthesis of the column list.
        var close = tokens.LastIndexOf(")");
        var options = close < 0 ? [] : tokens.Skip(close + 1).Where(t => t is "strict" or "rowid").ToList();
        return options.Contains("rowid") ? "table without rowid" : options.Contains("strict") ? "strict table" : "table";
    }

    private static async Task ReadTableAsync(
        SqliteConnection connection,
        string table,
        List<string> tableTokens,
        Dictionary<string, string> indexSql,
        SchemaItems items,
        CancellationToken cancellationToken)
    {
        var primaryKey = new SortedDictionary<long, string>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(@table)";
            command.Parameters.AddWithValue("@table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var hidden = reader.GetInt64(5);
                if (hidden == 1)
                {
                    // A virtual table's hidden column, not part of the declared schema.
                    continue;
                }

                var column = reader.GetString(0).ToLowerInvariant();
                var declared = SchemaSql.Normalise(reader.IsDBNull(1) ? null : reader.GetString(1));
                var value = declared.Length == 0 ? "any" : declared;
                if (reader.GetInt64(2) != 0)
                {
                    value += " not null";
                }

                if (hidden is 2 or 3)
                {
                    value += hidden == 3 ? " generated stored" : " generated";
                }
                else if (!reader.IsDBNull(3))
                {
                    value += " default " + SchemaSql.Normalise(reader.GetString(3));
                }

                items.Schema(DriftItemKinds.Column, $"main.{table}.{column}", value);
                var pk = reader.GetInt64(4);
                if (pk > 0)
                {
                    primaryKey[pk] = column;
                }
            }
        }

        if (primaryKey.Count > 0)
        {
            items.Schema(DriftItemKinds.Constraint, $"main.{table}.{table}_pkey", $"primary key ({string.Join(", ", primaryKey.Values)})");
        }

        await ReadIndexesAsync(connection, table, indexSql, items, cancellationToken);
        await ReadForeignKeysAsync(connection, table, items, cancellationToken);
        ReadChecks(table, tableTokens, items);
    }

    private static async Task ReadIndexesAsync(SqliteConnection connection, string table, Dictionary<string, string> indexSql, SchemaItems items, CancellationToken cancellationToken)
    {
        var indexes = new List<(string Name, bool Unique, string Origin)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT name, \"unique\", origin FROM pragma_index_list(@table)";
            command.Parameters.AddWithValue("@table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                indexes.Add((reader.GetString(0).ToLowerInvariant(), reader.GetInt64(1) != 0, reader.GetString(2)));
            }
        }

        foreach (var (name, unique, origin) in indexes)
        {
            if (origin == "c" && indexSql.TryGetValue(name, out var sql))
            {
                // "CREATE UNIQUE INDEX ix ON orders (a) WHERE b > 0" becomes "unique (a) where b > 0".
                var tokens = SchemaSql.Tokenize(sql);
                var start = SchemaSql.SkipCreatePrefix(tokens, "index");
                if (start < tokens.Count && tokens[start] == "on")
                {
                    start = Math.Min(start + 2, tokens.Count);
                }

                var value = SchemaSql.Join(tokens, start);
                items.Schema(DriftItemKinds.Index, $"main.{table}.{name}", unique ? "unique " + value : value);
            }
            else if (origin == "u")
            {
                var columns = await IndexColumnsAsync(connection, name, cancellationToken);
                items.Schema(DriftItemKinds.Constraint, $"main.{table}.{table}_{string.Join('_', columns)}_key", $"unique ({string.Join(", ", columns)})");
            }
        }
    }

    private static async Task<List<string>> IndexColumnsAsync(SqliteConnection connection, string index, CancellationToken cancellationToken)
    {
        var columns = new List<string>();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_index_info(@index) ORDER BY seqno";
        command.Parameters.AddWithValue("@index", index);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            columns.Add(reader.IsDBNull(0) ? "(expression)" : reader.GetString(0).ToLowerInvariant());
        }

        return columns;
    }

    private static async Task ReadForeignKeysAsync(SqliteConnection connection, string table, SchemaItems items, CancellationToken cancellationToken)
    {
        var keys = new SortedDictionary<long, (string Parent, List<string> From, List<string?> To, string OnUpdate, string OnDelete)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(@table) ORDER BY id, seq";
            command.Parameters.AddWithValue("@table", table);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                if (!keys.TryGetValue(id, out var key))
                {
                    key = (reader.GetString(1).ToLowerInvariant(), [], [], reader.GetString(4), reader.GetString(5));
                    keys[id] = key;
                }

                key.From.Add(reader.GetString(2).ToLowerInvariant());
                key.To.Add(reader.IsDBNull(3) ? null : reader.GetString(3).ToLowerInvariant());
            }
        }

        foreach (var (parent, from, to, onUpdate, onDelete) in keys.Values)
        {
            var value = $"foreign key ({string.Join(", ", from)}) references {parent}";
            if (to.All(t => t is not null))
            {
                value += $"({string.Join(", ", to)})";
            }

            if (!onUpdate.Equals("NO ACTION", StringComparison.OrdinalIgnoreCase))
            {
                value += " on update " + onUpdate.ToLowerInvariant();
            }

            if (!onDelete.Equals("NO ACTION", StringComparison.OrdinalIgnoreCase))
            {
                value += " on delete " + onDelete.ToLowerInvariant();
            }

            items.Schema(DriftItemKinds.Constraint, $"main.{table}.{table}_{string.Join('_', from)}_fkey", value);
        }
    }

    private static void ReadChecks(string table, List<string> tokens, SchemaItems items)
    {
        for (var i = 0; i + 1 < tokens.Count; i++)
        {
            if (tokens[i] != "check" || tokens[i + 1] != "(")
            {
                continue;
            }

            var end = MatchingParenthesis(tokens, i + 1);
            if (end < 0)
            {
                return;
            }

            var expression = SchemaSql.Join(tokens.GetRange(i + 2, end - i - 2));
            var key = i >= 2 && tokens[i - 2] == "constraint"
                ? $"main.{table}.{SchemaSql.Unquote(tokens[i - 1]).ToLowerInvariant()}"
                : $"main.{table}.check:{expression}";
            items.Schema(DriftItemKinds.Constraint, key, $"check ({expression})");
            i = end;
        }
    }

    private static int SkipViewHeader(List<string> tokens)
    {
        var i = SchemaSql.SkipCreatePrefix(tokens, "view");
        if (i < tokens.Count && tokens[i] == "(")
        {
            var end = MatchingParenthesis(tokens, i);
            i = end < 0 ? i : end + 1;
        }

        return i < tokens.Count && tokens[i] == "as" ? i + 1 : i;
    }

    private static int MatchingParenthesis(List<string> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            if (tokens[i] == "(")
            {
                depth++;
            }
            else if (tokens[i] == ")" && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static async Task ReadMigrationsAsync(SqliteConnection connection, string table, SchemaItems items, CancellationToken cancellationToken)
    {
        if (table.ToLowerInvariant() is not ("__efmigrationshistory" or "flyway_schema_history" or "databasechangelog"))
        {
            return;
        }

        var rows = new List<IReadOnlyDictionary<string, object?>>();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\" LIMIT {SchemaItems.MaxItems + 1}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        MigrationRows.Add(table, rows, items);
    }
}
