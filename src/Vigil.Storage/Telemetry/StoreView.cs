using Vigil.Storage.Telemetry.Blocks;
using Vigil.Storage.Telemetry.Head;

namespace Vigil.Storage.Telemetry;

/// <summary>
/// What a query reads, replaced as a whole when the head is cut, a block is published or retention deletes blocks:
/// a query takes one view and sees every record exactly once (a frozen head and its block are never both in a view).
/// </summary>
/// <param name="Active">The head taking writes.</param>
/// <param name="Frozen">A cut head whose block is being written, or null.</param>
/// <param name="Blocks">The blocks, oldest (lowest sequence) first.</param>
internal sealed record StoreView(TelemetryHead Active, TelemetryHead? Frozen, Block[] Blocks)
{
    /// <summary>The heads, oldest first (the frozen one, then the active one).</summary>
    public IEnumerable<TelemetryHead> Heads
    {
        get
        {
            if (Frozen is not null)
            {
                yield return Frozen;
            }

            yield return Active;
        }
    }
}
