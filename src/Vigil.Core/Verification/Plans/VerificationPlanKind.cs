using Vigil.Core.Declarative;

namespace Vigil.Core.Verification.Plans;

/// <summary>The <c>VerificationPlan</c> kind of declarative object.</summary>
public sealed class VerificationPlanKind : IDeclarativeKind
{
    /// <inheritdoc />
    public string Kind => VerificationPlanYaml.Kind;

    /// <inheritdoc />
    public void Validate(YamlDocumentText document, DeclarativeValidationContext context, List<DocumentError> errors)
    {
        ArgumentNullException.ThrowIfNull(document);
        _ = VerificationPlanYaml.Parse(document.File, document.Text, errors, document.LineOffset, context);
    }
}
