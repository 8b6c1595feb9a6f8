using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Vigil.Core.Security;
using Vigil.Server.Security;

namespace Vigil.Server.Ui;

/// <summary>
/// The shell's endpoints beside the pages: <c>POST /logout</c> (antiforgery-checked, clears the session cookie) and
/// the fallback that answers a browser's GET of an unknown page with the NotFound page (404) while programs keep the
/// API's problem details. The login page itself is <c>Pages/Login.razor</c>.
/// </summary>
public static class LoginEndpoints
{
    /// <summary>The sign-out path (a form POST from the top bar).</summary>
    public const string LogoutPath = "/logout";

    /// <summary>Maps sign-out and the not-found fallback.</summary>
    public static void MapLogin(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(LogoutPath, LogoutAsync).AllowWithoutKey().DisableAntiforgery().ExcludeFromDescription();
        app.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Head], UnknownPath)
            .WithOrder(int.MaxValue)
            .RequireScope(ApiKeyScope.Read)
            .ExcludeFromDescription();
    }

    // Antiforgery is checked here rather than by the middleware so that a stale form gets a page that says what to do.
    private static async Task<IResult> LogoutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return Results.Content(
                "<!DOCTYPE html><html lang=\"en\"><title>Sign out · Vigil</title><p>The sign-out form has expired. <a href=\"/\">Reload a page</a> and press Sign out again.</p></html>",
                "text/html; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }

        LoginCookie.Clear(context);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Redirect(LoginRedirect.LoginPath + "?signedOut=1");
    }

    private static IResult UnknownPath(HttpContext context)
    {
        if (!LoginRedirect.IsPageRequest(context.Request))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound);
        }

        return new RazorComponentResult<App>(new Dictionary<string, object?> { [nameof(App.Page)] = typeof(Pages.NotFound) })
        {
            StatusCode = StatusCodes.Status404NotFound,
        };
    }
}
