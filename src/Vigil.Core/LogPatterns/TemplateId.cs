using System.Globalization;

namespace Vigil.Core.LogPatterns;

/// <summary>
/// The stable id of a log template within one service. Ids are assigned in order of first sighting starting at 1 and
/// never reused; <see cref="Overflow"/> (0) stands for templates evicted by the per-service cap.
/// </summary>
/// <param name="Value">The number; 0 is the overflow template.</param>
public readonly record struct TemplateId(long Value)
{
    /// <summary>The overflow template of a service: where lines go whose template was evicted by the cap.</summary>
    public static TemplateId Overflow => new(0);

    /// <summary>Whether this is the overflow template.</summary>
    public bool IsOverflow => Value == 0;

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The result of matching one log body: its template id and whether the template was created by this line.</summary>
/// <param name="Id">The template id (stable; follow <see cref="LogTemplateMiner.Resolve"/> after merges).</param>
/// <param name="IsNew">True when this line created the template.</param>
public readonly record struct TemplateMatch(TemplateId Id, bool IsNew);

/// <summary>A snapshot of one template.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Template">Its display text: constant tokens as written, variable parts as <c>&lt;*&gt;</c>.</param>
/// <param name="Count">Lines matched so far (including those of absorbed templates).</param>
/// <param name="Aliases">Ids of templates merged into this one (older id kept, absorbed ids listed here).</param>
public sealed record LogTemplateInfo(TemplateId Id, string Template, long Count, IReadOnlyList<TemplateId> Aliases);
