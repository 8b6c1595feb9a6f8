using Vigil.Core.Declarative;

namespace Vigil.Core.Verification.Plans;

/// <summary>
/// Reads and writes <c>kind: VerificationPlan</c> documents (<c>apiVersion: vigil/v1</c>). Reading validates
/// everything (unknown keys, PromQL that does not parse, placeholders that do not exist, thresholds out of range) and
/// reports each problem with its file, line and column.
/// </summary>
public static class VerificationPlanYaml
{
    /// <summary>The document kind.</summary>
    public const string Kind = "VerificationPlan";

    /// <summary>
    /// Parses one plan document (the YAML text of a single document). Returns null and adds to
    /// <paramref name="errors"/> when it is invalid. <paramref name="lineOffset"/> is added to reported lines when the
    /// document was cut from a multi-document file.
    /// </summary>
    public static VerificationPlan? Parse(string file, string yaml, List<DocumentError> errors, int lineOffset = 0) =>
        throw new NotImplementedException("VerificationPlanYaml.Parse is being written (issue 4, plans)");

    /// <summary>Writes a plan as a document that <see cref="Parse"/> reads back to an equal plan.</summary>
    public static string Write(VerificationPlan plan) =>
        throw new NotImplementedException("VerificationPlanYaml.Write is being written (issue 4, plans)");
}
