using System.Globalization;
using System.Text;
using Npgsql;
using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// The schema of a PostgreSQL database and its applied migrations, read from the system catalogs through a connection
/// string held in an environment variable (<c>--db-env PROD_DB</c>), so the password never sits in <c>ps</c> or shell
/// history. The session is read-only. Objects of the system schemas and objects that belong to an extension are left
/// out (the extension itself is an item). Keys: <c>schema.table</c>, <c>schema.table.column</c>,
/// <c>schema.table.index|constraint|trigger</c>, <c>schema.view|sequence|enum</c>, <c>extension</c>,
/// <c>schema.function(arg types)</c>; migrations <c>efcore:ID</c>, <c>flyway:VERSION</c>, <c>liquibase:ID:AUTHOR:FILE</c>.
/// Definitions are normalised (<see cref="SchemaSql"/>) and items sorted, so OID order, creation order and whitespace
/// never create drift. The server's version is the item <c>$VARIABLE:server_version</c> (kind runtime). Every item's
/// source is <c>$VARIABLE (postgresql)</c>: never the password, nor the host and database, which differ per environment
/// and would stop a comparer from matching an unreadable side with the other side's items. A missing variable, a bad
/// connection string or an unreachable server becomes one <see cref="DriftItemKinds.Unreadable"/> item (in the schema
/// and the migration category) with a redacted reason that names the database (<c>orders@db.internal:5432</c>); this
/// source never throws for them. A part the role may not read (<c>$VARIABLE:migrations</c>) is unreadable on its own
/// and the rest is still read.
/// </summary>
public sealed class PostgresSchemaSource : VariableSchemaSource
{
    /// <summary>How long connecting may take: 10 seconds, so an unreachable database does not hold the snapshot long.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long one catalog query may take: 60 seconds (a 10,000-table catalog reads in well under one).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    // Schemas that hold PostgreSQL's own objects, never the application's.
    private const string UserSchema =
        "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'";

    /// <summary>A source for the database whose connection string is in the environment variable <paramref name="variable"/>.</summary>
    /// <param name="variable">The variable's name (not its value), e.g. <c>PROD_DB</c>.</param>
    /// <param name="maxItems">At most this many items (then one truncation item); default <see cref="VariableSchemaSource.DefaultMaxItems"/>.</param>
    public PostgresSchemaSource(string variable, int maxItems = DefaultMaxItems)
        : base(variable, maxItems)
    {
    }

    /// <inheritdoc />
    public override string Name => "postgres";

    /// <inheritdoc />
    private protected override string Engine => "postgresql";

    /// <inheritdoc />
    private protected override async Task CollectAsync(string value, SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        NpgsqlConnectionStringBuilder builder;
        string? password = null;
        try
        {
            builder = Parse(value);
            password = builder.Password;
        }
        catch (Exception error) when (DatabaseVariable.IsReadFailure(error, cancellationToken))
        {
            AddUnreadable(items, "bad connection string: " + DatabaseVariable.Redact(error.Message, context, value));
            return;
        }

        var collected = NewItems();
        var where = DatabaseVariable.Redact($"{builder.Database ?? builder.Username}@{builder.Host}:{builder.Port}", context, password);
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", connection))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }

            // "15.14 (Debian 15.14-0+deb12u1)": the version, without the packager's suffix.
            var version = connection.PostgreSqlVersion;
            collected.ServerVersion(version.ToString(version.Build >= 0 ? 3 : 2));

            foreach (var (what, read) in Readers)
            {
                if (collected.IsFull)
                {
                    break;
                }

                try
                {
                    await read(connection, collected, cancellationToken);
                }
                catch (PostgresException error)
                {
                    // One part the role may not read (a permission, an old server without a catalog column) never
                    // hides the rest.
                    collected.Unreadable(what, DatabaseVariable.Reason(error, context, password));
                }
            }
        }
        catch (Exception error) when (DatabaseVariable.IsReadFailure(error, cancellationToken))
        {
            collected.Unreadable(null, $"{DatabaseVariable.Reason(error, context, password)} ({where})");
        }

        collected.CopyTo(items);
    }

    /// <summary>
    /// Parses a key-value connection string (<c>Host=...;Username=...</c>) or a URI
    /// (<c>postgresql://user:password@host:5432/db?sslmode=require</c>) and applies the timeouts and pooling this source uses.
    /// </summary>
    internal static NpgsqlConnectionStringBuilder Parse(string value)
    {
        var builder = value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? FromUri(value)
            : new NpgsqlConnectionStringBuilder(value);
        if (string.IsNullOrEmpty(builder.Host))
        {
            throw new ArgumentException("no Host in the connection string");
        }

        builder.Timeout = (int)ConnectTimeout.TotalSeconds;
        builder.CommandTimeout = (int)CommandTimeout.TotalSeconds;
        builder.Pooling = false;
        builder.ApplicationName = "vigil-drift";
        return builder;
    }

    private static NpgsqlConnectionStringBuilder FromUri(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException("not a valid postgresql:// URI");
        }

        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                builder.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = uri.AbsolutePath.TrimStart('/');
        if (database.Length > 0)
        {
            builder.Database = Uri.UnescapeDataString(database);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Equals("sslmode", StringComparison.OrdinalIgnoreCase))
            {
                builder.SslMode = Enum.Parse<SslMode>(Uri.UnescapeDataString(pair[(equals + 1)..]).Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
            }
        }

        return builder;
    }

    private static readonly (string What, Func<NpgsqlConnection, SchemaItems, CancellationToken, Task> Read)[] Readers =
    [
        ("tables", ReadTablesAsync),
        ("columns", ReadColumnsAsync),
        ("indexes", ReadIndexesAsync),
        ("constraints", ReadConstraintsAsync),
        ("views", ReadViewsAsync),
        ("sequences", ReadSequencesAsync),
        ("enums", ReadEnumsAsync),
        ("extensions", ReadExtensionsAsync),
        ("triggers", ReadTriggersAsync),
        ("functions", ReadFunctionsAsync),
        ("migrations", ReadMigrationsAsync),
    ];

    private static string NotInExtension(string catalog, string oid) =>
        $"NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.classid = '{catalog}'::regclass AND dep.objid = {oid} AND dep.deptype = 'e')";

    private static Task ReadTablesAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, c.relkind::text, c.relpersistence::text
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'f') AND {UserSchema} AND {NotInExtension("pg_class", "c.oid")}
            """,
            items,
            r =>
            {
                var kind = r.GetString(2) switch { "p" => "partitioned table", "f" => "foreign table", _ => "table" };
                items.Schema(DriftItemKinds.Table, Key(r.GetString(0), r.GetString(1)), r.GetString(3) == "u" ? "unlogged " + kind : kind);
            },
            cancellationToken);

    private static Task ReadColumnsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                   CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END
            FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            LEFT JOIN pg_collation co ON co.oid = a.attcollation
            WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f') AND {UserSchema}
              AND {NotInExtension("pg_class", "c.oid")}
            """,
            items,
            r =>
            {
                var value = new StringBuilder(r.GetString(3));
                if (!r.IsDBNull(8))
                {
                    value.Append(" collate \"").Append(r.GetString(8)).Append('"');
                }

                if (r.GetBoolean(4))
                {
                    value.Append(" not null");
                }

                var expression = r.IsDBNull(5) ? null : SchemaSql.Normalise(r.GetString(5));
                var identity = r.GetString(6);
                if (identity == "a" || identity == "d")
                {
                    value.Append(identity == "a" ? " generated always as identity" : " generated by default as identity");
                }
                else if (r.GetString(7) == "s" && expression is not null)
                {
                    value.Append(" generated always as (").Append(expression).Append(") stored");
                }
                else if (expression is not null)
                {
                    value.Append(" default ").Append(expression);
                }

                items.Schema(DriftItemKinds.Column, Key(r.GetString(0), r.GetString(1), r.GetString(2)), value.ToString());
            },
            cancellationToken);

    private static Task ReadIndexesAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, t.relname, i.relname, pg_get_indexdef(i.oid), x.indisunique
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE {UserSchema} AND {NotInExtension("pg_class", "t.oid")}
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
            """,
            items,
            r =>
            {
                // "CREATE UNIQUE INDEX name ON public.t USING btree (a)" becomes "unique using btree(a)": the key names
                // the index and its table already.
                var tokens = SchemaSql.Tokenize(r.GetString(3));
                var start = SchemaSql.SkipCreatePrefix(tokens, "index");
                start = SkipOnTable(tokens, start);
                var value = SchemaSql.Join(tokens, start);
                items.Schema(DriftItemKinds.Index, Key(r.GetString(0), r.GetString(1), r.GetString(2)), r.GetBoolean(4) ? "unique " + value : value);
            },
            cancellationToken);

    private static Task ReadConstraintsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid, true)
            FROM pg_constraint k
            JOIN pg_class c ON c.oid = k.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE k.contype IN ('p', 'f', 'u', 'c', 'x') AND {UserSchema} AND {NotInExtension("pg_class", "c.oid")}
            """,
            items,
            r => items.Schema(DriftItemKinds.Constraint, Key(r.GetString(0), r.GetString(1), r.GetString(2)), SchemaSql.Normalise(r.GetString(3))),
            cancellationToken);

    private static Task ReadViewsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid, true)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('v', 'm') AND {UserSchema} AND {NotInExtension("pg_class", "c.oid")}
            """,
            items,
            r =>
            {
                var definition = SchemaSql.Normalise(r.GetString(3));
                items.Schema(DriftItemKinds.View, Key(r.GetString(0), r.GetString(1)), r.GetString(2) == "m" ? "materialized " + definition : definition);
            },
            cancellationToken);

    private static Task ReadSequencesAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
            FROM pg_sequence s
            JOIN pg_class c ON c.oid = s.seqrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE {UserSchema} AND {NotInExtension("pg_class", "c.oid")}
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
            """,
            items,
            r => items.Schema(
                DriftItemKinds.Sequence,
                Key(r.GetString(0), r.GetString(1)),
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{r.GetString(2)} start {r.GetInt64(3)} increment {r.GetInt64(4)} min {r.GetInt64(5)} max {r.GetInt64(6)} cache {r.GetInt64(7)}{(r.GetBoolean(8) ? " cycle" : "")}")),
            cancellationToken);

    private static Task ReadEnumsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, t.typname, string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
            FROM pg_type t
            JOIN pg_enum e ON e.enumtypid = t.oid
            JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE {UserSchema} AND {NotInExtension("pg_type", "t.oid")}
            GROUP BY n.nspname, t.typname
            """,
            items,
            r => items.Schema(DriftItemKinds.EnumType, Key(r.GetString(0), r.GetString(1)), "enum (" + r.GetString(2) + ")"),
            cancellationToken);

    private static Task ReadExtensionsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            "SELECT extname, extversion FROM pg_extension",
            items,
            r => items.Schema(DriftItemKinds.Extension, r.GetString(0), r.GetString(1)),
            cancellationToken);

    private static Task ReadTriggersAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname, g.tgname, pg_get_triggerdef(g.oid, true)
            FROM pg_trigger g
            JOIN pg_class c ON c.oid = g.tgrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE NOT g.tgisinternal AND {UserSchema} AND {NotInExtension("pg_class", "c.oid")}
            """,
            items,
            r =>
            {
                var tokens = SchemaSql.Tokenize(r.GetString(3));
                items.Schema(DriftItemKinds.Trigger, Key(r.GetString(0), r.GetString(1), r.GetString(2)), SchemaSql.Join(tokens, SchemaSql.SkipCreatePrefix(tokens, "trigger")));
            },
            cancellationToken);

    private static Task ReadFunctionsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken) =>
        QueryAsync(
            connection,
            $"""
            SELECT n.nspname, p.proname, oidvectortypes(p.proargtypes), pg_get_function_result(p.oid), p.prokind::text
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE {UserSchema} AND {NotInExtension("pg_proc", "p.oid")}
            """,
            items,
            r =>
            {
                var signature = $"{r.GetString(1)}({r.GetString(2)})";
                var result = r.IsDBNull(3) ? null : r.GetString(3);
                var value = r.GetString(4) switch
                {
                    "p" => "procedure " + signature,
                    "a" => $"aggregate {signature} returns {result}",
                    "w" => $"window {signature} returns {result}",
                    _ => $"{signature} returns {result}",
                };
                items.Schema(DriftItemKinds.Function, r.GetString(0) + "." + signature, value);
            },
            cancellationToken);

    private static async Task ReadMigrationsAsync(NpgsqlConnection connection, SchemaItems items, CancellationToken cancellationToken)
    {
        var tables = new List<(string Schema, string Table)>();
        await QueryAsync(
            connection,
            $"""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p', 'v') AND lower(c.relname) IN ('__efmigrationshistory', 'flyway_schema_history', 'databasechangelog')
              AND {UserSchema}
            ORDER BY n.nspname, c.relname
            """,
            items,
            r => tables.Add((r.GetString(0), r.GetString(1))),
            cancellationToken);
        foreach (var (schema, table) in tables)
        {
            var rows = new List<IReadOnlyDictionary<string, object?>>();
            await using var command = new NpgsqlCommand(
                $"SELECT * FROM {QuoteIdentifier(schema)}.{QuoteIdentifier(table)} LIMIT {SchemaItems.MaxItems + 1}",
                connection);
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

    private static async Task QueryAsync(NpgsqlConnection connection, string sql, SchemaItems items, Action<NpgsqlDataReader> row, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (!items.IsFull && await reader.ReadAsync(cancellationToken))
        {
            row(reader);
        }
    }

    private static int SkipOnTable(List<string> tokens, int start)
    {
        if (start >= tokens.Count || tokens[start] != "on")
        {
            return start;
        }

        var i = start + 1;
        if (i < tokens.Count && tokens[i] == "only")
        {
            i++;
        }

        i++;
        while (i + 1 < tokens.Count && tokens[i] == ".")
        {
            i += 2;
        }

        return Math.Min(i, tokens.Count);
    }

    /// <summary>
    /// The source of every item: the variable and the engine, the same in every environment (never the host or the
    /// database name, which differ), so a comparer can tell that the other side's tables are unknown, not missing, when
    /// this side could not read its database.
    /// </summary>

    private static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Key(params string[] parts) => string.Join('.', parts);
}
