using Vigil.Core.Drift;

namespace Vigil.Storage.Drift;

/// <summary>
/// What every schema source shares: the database is named by an environment variable (so its password never sits in
/// process lists), a variable that is not set is one unreadable item, and the items are bounded.
/// </summary>
public abstract class VariableSchemaSource : ISnapshotSource
{
    /// <summary>The default bound on items per database: 100,000, twenty times a large real schema; it bounds memory.</summary>
    public const int DefaultMaxItems = SchemaItems.MaxItems;

    private readonly int _maxItems;

    /// <summary>A source for the database whose connection string is in <paramref name="variable"/>.</summary>
    /// <param name="variable">The variable's name (not its value), e.g. <c>PROD_DB</c>.</param>
    /// <param name="maxItems">At most this many items (then one truncation item).</param>
    private protected VariableSchemaSource(string variable, int maxItems)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(variable);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        Variable = variable;
        _maxItems = maxItems;
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <summary>The environment variable holding the connection string.</summary>
    protected string Variable { get; }

    /// <summary>The engine as items' sources name it: <c>postgresql</c>, <c>sqlite</c>.</summary>
    private protected abstract string Engine { get; }

    /// <inheritdoc />
    public Task CollectAsync(SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(items);
        if (DatabaseVariable.Read(context, Variable) is not { } value)
        {
            AddUnreadable(items, $"environment variable {Variable} is not set");
            return Task.CompletedTask;
        }

        return CollectAsync(value, context, items, cancellationToken);
    }

    /// <summary>Reads the database <paramref name="connection"/> names (the variable's value, never logged).</summary>
    private protected abstract Task CollectAsync(string connection, SnapshotContext context, ICollection<SnapshotItem> items, CancellationToken cancellationToken);

    /// <summary>An empty, bounded item list whose items name <c>$VARIABLE (engine)</c> as their source.</summary>
    private protected SchemaItems NewItems() => new(Variable, $"${Variable} ({Engine})", _maxItems);

    /// <summary>Adds the one unreadable item that stands for the whole database.</summary>
    private protected void AddUnreadable(ICollection<SnapshotItem> items, string reason)
    {
        var unreadable = NewItems();
        unreadable.Unreadable(null, reason);
        unreadable.CopyTo(items);
    }
}
