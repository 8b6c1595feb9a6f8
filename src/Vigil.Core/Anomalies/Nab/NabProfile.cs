using System.Text.Json;

namespace Vigil.Core.Anomalies.Nab;

/// <summary>
/// One of NAB's application profiles: the weights of a true positive, a false negative and a false positive.
/// </summary>
/// <param name="Name">The profile's name as NAB spells it (<c>standard</c>, <c>reward_low_FP_rate</c>, <c>reward_low_FN_rate</c>).</param>
/// <param name="TruePositiveWeight">A_TP: what the earliest possible detection in a window is worth.</param>
/// <param name="FalseNegativeWeight">A_FN: what a window without any detection costs.</param>
/// <param name="FalsePositiveWeight">A_FP: what a detection far from any window costs.</param>
public sealed record NabProfile(string Name, double TruePositiveWeight, double FalseNegativeWeight, double FalsePositiveWeight)
{
    /// <summary>NAB's <c>standard</c> profile: A_TP 1, A_FN 1, A_FP 0.11.</summary>
    public static NabProfile Standard { get; } = new("standard", 1.0, 1.0, 0.11);

    /// <summary>NAB's <c>reward_low_FP_rate</c> profile: A_TP 1, A_FN 1, A_FP 0.22.</summary>
    public static NabProfile RewardLowFalsePositives { get; } = new("reward_low_FP_rate", 1.0, 1.0, 0.22);

    /// <summary>NAB's <c>reward_low_FN_rate</c> profile: A_TP 1, A_FN 2, A_FP 0.11.</summary>
    public static NabProfile RewardLowFalseNegatives { get; } = new("reward_low_FN_rate", 1.0, 2.0, 0.11);

    /// <summary>NAB's three profiles in its own order.</summary>
    public static IReadOnlyList<NabProfile> All { get; } = [Standard, RewardLowFalsePositives, RewardLowFalseNegatives];

    /// <summary>Reads profiles in NAB's <c>profiles.json</c> format (<c>{"name": {"CostMatrix": {"tpWeight": ...}}}</c>).</summary>
    /// <exception cref="FormatException">The file is not in that format; the message names the profile and field.</exception>
    public static IReadOnlyList<NabProfile> Parse(string json, string source)
    {
        using var document = NabJson.ParseObject(json, source, "an object of profiles");
        var profiles = new List<NabProfile>();
        foreach (var profile in document.RootElement.EnumerateObject())
        {
            if (!profile.Value.TryGetProperty("CostMatrix", out var matrix) || matrix.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{source}: profile '{profile.Name}' has no CostMatrix object.");
            }

            profiles.Add(new NabProfile(
                profile.Name,
                Weight(matrix, "tpWeight", profile.Name, source),
                Weight(matrix, "fnWeight", profile.Name, source),
                Weight(matrix, "fpWeight", profile.Name, source)));
        }

        return profiles;
    }

    private static double Weight(JsonElement matrix, string field, string profile, string source) =>
        matrix.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw new FormatException($"{source}: profile '{profile}' has no numeric CostMatrix.{field}.");
}
