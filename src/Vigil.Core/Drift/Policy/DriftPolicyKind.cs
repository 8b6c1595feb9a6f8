using Vigil.Core.Declarative;

namespace Vigil.Core.Drift.Policy;

/// <summary>The <c>DriftPolicy</c> kind of declarative object.</summary>
public sealed class DriftPolicyKind : IDeclarativeKind
{
    /// <inheritdoc />
    public string Kind => DriftPolicyYaml.Kind;

    /// <inheritdoc />
    public void Validate(YamlDocumentText document, DeclarativeValidationContext context, List<DocumentError> errors)
    {
        ArgumentNullException.ThrowIfNull(document);
        _ = DriftPolicyYaml.Parse(document.File, document.Text, errors, document.LineOffset);
    }
}
