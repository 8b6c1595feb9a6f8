using Vigil.Core.Declarative;

namespace Vigil.Core.Tests.Declarative;

/// <summary>A store in a dictionary, for Core tests (Vigil.Core cannot reach the SQLite store, which Storage tests cover).</summary>
internal sealed class InMemoryDeclarativeStore : IDeclarativeStore
{
    private readonly SortedDictionary<(string Kind, string Name), DeclarativeObject> _objects = [];

    public Task<IReadOnlyList<DeclarativeObject>> ListAsync(string? kind, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DeclarativeObject>>([.. _objects.Values.Where(o => kind is null || o.Kind == kind)]);

    public Task<DeclarativeObject?> GetAsync(string kind, string name, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.GetValueOrDefault((kind, name)));

    public Task ApplyAsync(IReadOnlyList<DeclarativeObject> upserts, IReadOnlyList<(string Kind, string Name)> deletes, CancellationToken cancellationToken)
    {
        foreach (var o in upserts)
        {
            _objects[(o.Kind, o.Name)] = o;
        }

        foreach (var d in deletes)
        {
            _objects.Remove(d);
        }

        return Task.CompletedTask;
    }
}
