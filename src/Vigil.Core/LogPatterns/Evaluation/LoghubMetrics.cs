namespace Vigil.Core.LogPatterns.Evaluation;

/// <summary>The four Loghub-2.0 template metrics of one parse, each from 0 to 1.</summary>
/// <param name="GroupingAccuracy">GA: share of messages whose true group was parsed as exactly one group with exactly the same members.</param>
/// <param name="GroupingF1">FGA: F1 of correctly grouped templates (precision over parsed groups, recall over true groups).</param>
/// <param name="ParsingAccuracy">PA: share of messages whose parsed template string equals the true one exactly.</param>
/// <param name="TemplateF1">FTA: F1 of templates both correctly grouped and exactly right.</param>
/// <param name="TrueGroups">Distinct true templates.</param>
/// <param name="ParsedGroups">Distinct parsed templates.</param>
public sealed record LoghubScores(
    double GroupingAccuracy,
    double GroupingF1,
    double ParsingAccuracy,
    double TemplateF1,
    int TrueGroups,
    int ParsedGroups);

/// <summary>
/// Computes GA, FGA, PA and FTA as Loghub-2.0 defines them. A group is the set of messages sharing one template
/// string (true or parsed); the scorer compares strings only.
/// </summary>
public static class LoghubMetrics
{
    /// <summary>Scores <paramref name="parsed"/> templates against <paramref name="truth"/>, message by message.</summary>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static LoghubScores Compute(IReadOnlyList<string> truth, IReadOnlyList<string> parsed)
    {
        if (truth.Count != parsed.Count)
        {
            throw new ArgumentException($"{truth.Count} true templates but {parsed.Count} parsed ones: one per message is needed.");
        }

        var n = truth.Count;
        if (n == 0)
        {
            return new LoghubScores(0, 0, 0, 0, 0, 0);
        }

        var parsedSizes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var p in parsed)
        {
            parsedSizes[p] = parsedSizes.GetValueOrDefault(p) + 1;
        }

        var trueGroups = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            if (!trueGroups.TryGetValue(truth[i], out var members))
            {
                members = [];
                trueGroups[truth[i]] = members;
            }

            members.Add(i);
        }

        var groupedMessages = 0;
        var correctGroups = 0;
        var correctTemplates = 0;
        foreach (var (template, members) in trueGroups)
        {
            var label = parsed[members[0]];
            var same = members.All(i => string.Equals(parsed[i], label, StringComparison.Ordinal));
            if (!same || parsedSizes[label] != members.Count)
            {
                continue;
            }

            groupedMessages += members.Count;
            correctGroups++;
            if (string.Equals(label, template, StringComparison.Ordinal))
            {
                correctTemplates++;
            }
        }

        var exact = 0;
        for (var i = 0; i < n; i++)
        {
            if (string.Equals(truth[i], parsed[i], StringComparison.Ordinal))
            {
                exact++;
            }
        }

        return new LoghubScores(
            (double)groupedMessages / n,
            F1(correctGroups, parsedSizes.Count, trueGroups.Count),
            (double)exact / n,
            F1(correctTemplates, parsedSizes.Count, trueGroups.Count),
            trueGroups.Count,
            parsedSizes.Count);
    }

    private static double F1(int correct, int parsedCount, int trueCount)
    {
        var precision = (double)correct / parsedCount;
        var recall = (double)correct / trueCount;
        return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }
}
