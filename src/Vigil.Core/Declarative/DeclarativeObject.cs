namespace Vigil.Core.Declarative;

/// <summary>
/// A declarative object as stored: a YAML document with <c>apiVersion: vigil/v1</c>, a <c>kind</c> and a
/// <c>metadata.name</c>, kept as its source text (re-parsed by its feature when used). (Kind, name) is unique.
/// </summary>
public sealed record DeclarativeObject(string Kind, string Name, string Yaml, DateTimeOffset UpdatedAt);

/// <summary>
/// An error in a declarative document, reported as <c>file:line:col: reason</c>. Line and column are 1-based;
/// 0 when the error is about the whole file.
/// </summary>
public sealed record DocumentError(string File, int Line, int Column, string Reason)
{
    /// <inheritdoc/>
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Reason}" : $"{File}: {Reason}";
}

/// <summary>Keeps declarative objects of every kind (state database).</summary>
public interface IDeclarativeStore
{
    /// <summary>Every object of <paramref name="kind"/> (every kind when null), ordered by kind then name.</summary>
    Task<IReadOnlyList<DeclarativeObject>> ListAsync(string? kind, CancellationToken cancellationToken);

    /// <summary>The object, or null.</summary>
    Task<DeclarativeObject?> GetAsync(string kind, string name, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: creates or replaces <paramref name="upserts"/>, and deletes <paramref name="deletes"/>
    /// (kind, name). Either everything is applied or nothing is.
    /// </summary>
    Task ApplyAsync(IReadOnlyList<DeclarativeObject> upserts, IReadOnlyList<(string Kind, string Name)> deletes, CancellationToken cancellationToken);
}
