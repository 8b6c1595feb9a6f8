namespace Vigil.Core.Checks;

/// <summary>How outcomes and types are spelled in the API, the state database, series labels and the CLI.</summary>
public static class CheckOutcomeNames
{
    /// <summary><c>pass</c>, <c>degraded</c> or <c>fail</c>.</summary>
    public static string Text(CheckOutcome outcome) => outcome switch
    {
        CheckOutcome.Pass => "pass",
        CheckOutcome.Degraded => "degraded",
        CheckOutcome.Fail => "fail",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown check outcome."),
    };

    /// <summary>Parses <c>pass</c>, <c>degraded</c> or <c>fail</c> (exactly, lower case).</summary>
    public static bool TryParse(string? text, out CheckOutcome outcome)
    {
        (var ok, outcome) = text switch
        {
            "pass" => (true, CheckOutcome.Pass),
            "degraded" => (true, CheckOutcome.Degraded),
            "fail" => (true, CheckOutcome.Fail),
            _ => (false, CheckOutcome.Fail),
        };
        return ok;
    }

    /// <summary>The type in lower case: <c>http</c>, <c>tcp</c>, <c>dns</c>, <c>tls</c>, <c>grpc</c>, <c>flow</c>.</summary>
    public static string TypeText(CheckType type) => type.ToString().ToLowerInvariant();
}
