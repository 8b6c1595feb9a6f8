using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Client.Contracts;
using Vigil.Core.LogPatterns;
using Vigil.Server.Api;
using Vigil.Server.Diagnostics;

namespace Vigil.Server.LogPatterns;

/// <summary><c>GET /api/v1/telemetry/log-patterns</c> and the <c>template_id</c> filter of the logs search.</summary>
internal static class LogPatternEndpoint
{
    /// <summary>The templates of one service, most frequent first; a missing service is a 400 problem.</summary>
    public static Results<Ok<LogPatternsResponse>, ProblemHttpResult> GetLogPatterns(HttpRequest request, LogPatternsService patterns, VigilMetrics metrics)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var service = new QueryParameters(request.Query).String("service");
            if (string.IsNullOrEmpty(service))
            {
                return ApiProblems.BadParameter("service", "required: the service.name whose log templates to list");
            }

            var templates = patterns.Miner.GetTemplates(service)
                .OrderByDescending(t => t.Count)
                .ThenBy(t => t.Id.Value)
                .Select(t => new LogPatternDto(t.Id.Value, t.Template, t.Count, t.Aliases.Select(a => a.Value).ToList()))
                .ToList();
            return TypedResults.Ok(new LogPatternsResponse(service, templates));
        }
        finally
        {
            metrics.QueryLatency("log-patterns", Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// The attribute values a <c>template_id</c> parameter accepts: the id, the template it resolves to now and that
    /// template's aliases. Null without the parameter; throws <see cref="BadParameterException"/> when it is not a
    /// non-negative integer or comes without <c>service</c> (ids are per service).
    /// </summary>
    public static IReadOnlySet<string>? TemplateIdFilter(LogPatternsService patterns, string? service, string? templateId)
    {
        if (string.IsNullOrEmpty(templateId))
        {
            return null;
        }

        if (!long.TryParse(templateId, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new BadParameterException("template_id", $"'{Truncate(templateId)}' is not a template id (a non-negative integer)");
        }

        if (string.IsNullOrEmpty(service))
        {
            throw new BadParameterException("template_id", "needs the service parameter: template ids are per service");
        }

        var ids = new HashSet<string>(StringComparer.Ordinal) { value.ToString(CultureInfo.InvariantCulture) };
        var live = patterns.Miner.Resolve(service, new TemplateId(value));
        if (patterns.Miner.GetTemplate(service, live) is { } template && (live.Value == value || template.Aliases.Contains(new TemplateId(value))))
        {
            ids.Add(live.ToString());
            foreach (var alias in template.Aliases)
            {
                ids.Add(alias.ToString());
            }
        }

        return ids;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
