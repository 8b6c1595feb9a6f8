using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;
using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// What the database sources share: reading the connection string from the named environment variable, choosing the
/// engine by its shape, and turning a failure into a redacted reason.
/// </summary>
internal static class DatabaseVariable
{
    /// <summary>The value of <paramref name="variable"/> in the snapshot's variables, or null when unset or blank.</summary>
    public static string? Read(SnapshotContext context, string variable) =>
        context.Variables.TryGetValue(variable, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>
    /// True when <paramref name="value"/> names a SQLite database: <c>Data Source=</c>/<c>Filename=</c> without a
    /// host, a <c>file:</c> URI, or a plain path (rooted, relative with a slash, or ending in .db/.sqlite/.sqlite3/.db3).
    /// Anything else (<c>Host=...</c>, <c>postgres://...</c>) is PostgreSQL.
    /// </summary>
    public static bool IsSqlite(string value)
    {
        var trimmed = value.Trim();
        if (trimmed.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (trimmed.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (trimmed.Contains('='))
        {
            var lower = trimmed.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal);
            var hasHost = lower.StartsWith("host=", StringComparison.Ordinal) || lower.Contains(";host=", StringComparison.Ordinal)
                || lower.StartsWith("server=", StringComparison.Ordinal) || lower.Contains(";server=", StringComparison.Ordinal);
            var hasFile = lower.StartsWith("datasource=", StringComparison.Ordinal) || lower.Contains(";datasource=", StringComparison.Ordinal)
                || lower.StartsWith("filename=", StringComparison.Ordinal) || lower.Contains(";filename=", StringComparison.Ordinal);
            return hasFile && !hasHost;
        }

        return trimmed.Contains('/') || trimmed.Contains('\\')
            || trimmed.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || trimmed.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase)
            || trimmed.EndsWith(".sqlite3", StringComparison.OrdinalIgnoreCase) || trimmed.EndsWith(".db3", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A short reason for <paramref name="error"/> (its message, and the inner one when that says more), with anything
    /// secret removed: the password itself when known, then whatever the redactor recognises.
    /// </summary>
    public static string Reason(Exception error, SnapshotContext context, string? password)
    {
        var message = error switch
        {
            PostgresException postgres => $"{postgres.SqlState}: {postgres.MessageText}",
            NpgsqlException { InnerException: SocketException socket } npgsql => $"{npgsql.Message}: {socket.Message}",
            NpgsqlException { InnerException: TimeoutException } npgsql => npgsql.Message + ": timed out",
            SqliteException sqlite => sqlite.Message,
            _ when error.InnerException is not null && error.InnerException.Message != error.Message => $"{error.Message}: {error.InnerException.Message}",
            _ => error.Message,
        };
        return Redact(message.ReplaceLineEndings(" ").Trim(), context, password);
    }

    /// <summary>Removes <paramref name="password"/> (when set) and whatever the redactor recognises from <paramref name="text"/>.</summary>
    public static string Redact(string text, SnapshotContext context, string? password)
    {
        if (!string.IsNullOrEmpty(password))
        {
            text = text.Replace(password, "***", StringComparison.Ordinal);
        }

        return context.Secrets.Redact(text);
    }

    /// <summary>True for the failures a database source reports as unreadable instead of throwing.</summary>
    public static bool IsReadFailure(Exception error, CancellationToken cancellationToken) => error switch
    {
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => error is NpgsqlException or SqliteException or IOException or SocketException or TimeoutException
            or ArgumentException or InvalidOperationException or FormatException or UnauthorizedAccessException or NotSupportedException,
    };
}
