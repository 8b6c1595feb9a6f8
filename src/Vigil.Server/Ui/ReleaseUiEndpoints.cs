using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Vigil.Core.Security;
using Vigil.Server.Security;
using Vigil.Server.Ui.Data;
using Vigil.Server.Ui.Pages.Releases;
using Vigil.Server.Verification;

namespace Vigil.Server.Ui;

/// <summary>
/// The release page's endpoints beside the page itself: <c>GET /releases/{id}/live</c>, the live region's fragment (the
/// same <see cref="ReleaseLive"/> component the page renders), and the admin actions <c>POST /releases/{id}/abort</c> and
/// <c>POST /releases/{id}/override</c>: HTML forms with an antiforgery token, going through the same
/// <see cref="VerificationCoordinator"/> as the REST API, then back to the page with an outcome code it explains.
/// </summary>
public static class ReleaseUiEndpoints
{
    /// <summary>The outcome codes the actions redirect with (<c>?action=abort&amp;outcome=aborted</c>).</summary>
    public static class Outcomes
    {
        /// <summary>The verification was aborted.</summary>
        public const string Aborted = "aborted";

        /// <summary>The verdict was overridden.</summary>
        public const string Overridden = "overridden";

        /// <summary>Nothing was done: the reason was empty.</summary>
        public const string ReasonRequired = "reason-required";

        /// <summary>Nothing was done: the reason was longer than <see cref="VerificationEndpoints.MaxReasonLength"/>.</summary>
        public const string ReasonTooLong = "reason-too-long";

        /// <summary>Nothing was done: no verdict was chosen (or it was not one).</summary>
        public const string VerdictRequired = "verdict-required";

        /// <summary>Nothing was done: no verification was running.</summary>
        public const string NotRunning = "not-running";

        /// <summary>Nothing was done: the release has no verification run.</summary>
        public const string NoRun = "no-run";
    }

    /// <summary>Maps the live fragment (read key) and the actions (admin key).</summary>
    public static void MapReleaseUi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/releases/{id}/live", LiveAsync).RequireScope(ApiKeyScope.Read).ExcludeFromDescription();
        endpoints.MapPost("/releases/{id}/abort", AbortAsync).RequireScope(ApiKeyScope.Admin).ExcludeFromDescription();
        endpoints.MapPost("/releases/{id}/override", OverrideAsync).RequireScope(ApiKeyScope.Admin).ExcludeFromDescription();
    }

    /// <summary>A reader of release views with the request's services.</summary>
    internal static ReleaseViewReader Reader(HttpContext context) =>
        ActivatorUtilities.CreateInstance<ReleaseViewReader>(context.RequestServices);

    /// <summary>
    /// Answers a page with an error status while keeping the page's own message. The status is set as the response
    /// starts, not while rendering: a page that sets 404 during rendering gets no body from the Razor component endpoint
    /// when status-code pages are on (it leaves the body to a re-execution we do not use), and the middleware then
    /// answers a bare problem document instead of the page.
    /// </summary>
    internal static void ErrorStatus(HttpContext context, int statusCode)
    {
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        context.Response.OnStarting(() =>
        {
            context.Response.StatusCode = statusCode;
            return Task.CompletedTask;
        });
    }

    private static async Task<IResult> LiveAsync(string id, HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        var view = ReleaseViewReader.CheckId(id) is null
            ? await Reader(context).ReadAsync(id, withCharts: true, context.RequestAborted)
            : null;
        var parameters = new Dictionary<string, object?> { [nameof(ReleaseLive.View)] = view, [nameof(ReleaseLive.Id)] = id };
        return new RazorComponentResult<ReleaseLive>(parameters)
        {
            StatusCode = view is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK,
        };
    }

    private static async Task<RedirectHttpResult> AbortAsync(
        string id, [FromForm] string? reason, HttpContext context, CancellationToken cancellationToken)
    {
        if (CheckReason(reason) is { } bad)
        {
            return Back(id, "abort", bad);
        }

        var coordinator = context.RequestServices.GetRequiredService<VerificationCoordinator>();
        var release = ReleaseViewReader.CheckId(id) is null ? await coordinator.Releases.GetAsync(id, cancellationToken) : null;
        if (release is null)
        {
            return Back(id, "abort", null);
        }

        var run = await coordinator.AbortAsync(release, reason!.Trim(), Actor(context), cancellationToken);
        return Back(id, "abort", run is null ? Outcomes.NotRunning : Outcomes.Aborted);
    }

    private static async Task<RedirectHttpResult> OverrideAsync(
        string id, [FromForm] string? verdict, [FromForm] string? reason, HttpContext context, CancellationToken cancellationToken)
    {
        if (!VerdictMapping.TryParseVerdict(verdict, out var parsed))
        {
            return Back(id, "override", Outcomes.VerdictRequired);
        }

        if (CheckReason(reason) is { } bad)
        {
            return Back(id, "override", bad);
        }

        var coordinator = context.RequestServices.GetRequiredService<VerificationCoordinator>();
        var release = ReleaseViewReader.CheckId(id) is null ? await coordinator.Releases.GetAsync(id, cancellationToken) : null;
        if (release is null)
        {
            return Back(id, "override", null);
        }

        var run = await coordinator.OverrideAsync(release, parsed, reason!.Trim(), Actor(context), cancellationToken);
        return Back(id, "override", run is null ? Outcomes.NoRun : Outcomes.Overridden);
    }

    private static string? CheckReason(string? reason) =>
        string.IsNullOrWhiteSpace(reason) ? Outcomes.ReasonRequired
        : reason.Trim().Length > VerificationEndpoints.MaxReasonLength ? Outcomes.ReasonTooLong
        : null;

    /// <summary>Back to the page (a GET after the POST), at the actions with the outcome, or plainly when the release is unknown.</summary>
    private static RedirectHttpResult Back(string id, string action, string? outcome) =>
        TypedResults.Redirect(outcome is null
            ? $"/releases/{Uri.EscapeDataString(id)}"
            : $"/releases/{Uri.EscapeDataString(id)}?action={action}&outcome={outcome}#actions");

    /// <summary>The audit actor, as the REST API records it: the key's name, or <c>anonymous</c> when keys are optional and none was sent.</summary>
    private static string Actor(HttpContext context) => UiSession.Key(context)?.Name ?? "anonymous";
}
