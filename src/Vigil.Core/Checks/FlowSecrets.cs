using Vigil.Core.Drift.Secrets;

namespace Vigil.Core.Checks;

/// <summary>
/// Which values a flow extracts are secrets: a session token taken from a login response must be masked like a
/// <c>${env:NAME}</c> secret, or it would reach stored results, excerpts and the agent's reports in clear. The names and
/// shapes are the ones drift snapshots use (<see cref="SecretRedactor"/>), so one rule decides what Vigil treats as secret.
/// </summary>
public static class FlowSecrets
{
    private static readonly SecretRedactor Recognizer = new();

    /// <summary>
    /// True when <paramref name="value"/>, extracted by <paramref name="extraction"/>, is masked: as the document says
    /// (<c>secret: true|false</c>), else when the variable's name sounds secret (token, password, key, ...) or the value
    /// looks like one (a JWT, a PEM block, a long high-entropy string).
    /// </summary>
    public static bool IsSecret(FlowExtraction extraction, string value)
    {
        ArgumentNullException.ThrowIfNull(extraction);
        return extraction.Secret ?? Recognizer.IsSecret(extraction.Variable, value);
    }
}
