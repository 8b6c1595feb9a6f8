using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Vigil.Core.Security;
using Vigil.Server.Otlp;
using Vigil.Server.Ui;

namespace Vigil.Server.Security;

/// <summary>
/// Checks the API key of every request against the scope its endpoint requires (<see cref="RequiredScope"/>).
/// When keys are required, a request without a valid key gets 401 and one whose key lacks the scope gets 403, each
/// in the error format of its endpoint family: problem details for the REST API, <c>google.rpc.Status</c> for OTLP,
/// a gRPC status for gRPC, Prometheus's envelope for the Prometheus-compatible paths. On loopback with keys optional,
/// a request without a key passes, but a presented key is still checked.
/// Keys come as <c>Authorization: Bearer KEY</c> or <c>X-API-Key: KEY</c> (gRPC metadata alike), or from the web UI's
/// session cookie (<see cref="LoginCookie"/>) when no header carries one. The cookie counts only for safe methods and
/// for forms that pass antiforgery validation, so another site cannot make a signed-in browser call the API. A browser
/// opening a page without a valid key is sent to the login page (302) instead of getting a 401. Keys are never logged.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyVerifier verifier, ApiKeyPolicy policy, LoginCookie cookie)
{
    /// <summary>The key that authenticated the request, when there was one.</summary>
    public const string ApiKeyItem = "vigil.apiKey";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AllowWithoutKeyAttribute>() is not null)
        {
            await next(context);
            return;
        }

        var page = LoginRedirect.IsPageRequest(context.Request);
        var required = endpoint?.Metadata.GetMetadata<RequiredScope>()?.Scope
            ?? (page ? ApiKeyScope.Read : ApiKeyScope.Admin); // Unknown routes and endpoints without metadata need the widest scope; an unknown page only shows "not found".
        var secret = ReadKey(context.Request);
        var fromCookie = false;
        if (secret is null && CookieCounts(context.Request, endpoint))
        {
            secret = cookie.Read(context.Request);
            fromCookie = secret is not null;
        }

        if (secret is null)
        {
            if (!policy.KeysRequired)
            {
                await next(context);
                return;
            }

            if (page)
            {
                LoginRedirect.RedirectToLogin(context);
                return;
            }

            await Deny(context, StatusCodes.Status401Unauthorized, "an API key is required (Authorization: Bearer KEY)");
            return;
        }

        var key = await verifier.VerifyAsync(secret, context.RequestAborted);
        if (key is null || key.RevokedAt is not null)
        {
            if (fromCookie)
            {
                // The key was revoked (or the store replaced) since sign-in: the session ends here.
                LoginCookie.Clear(context);
                if (!policy.KeysRequired)
                {
                    await next(context);
                    return;
                }

                if (page)
                {
                    LoginRedirect.RedirectToLogin(context);
                    return;
                }
            }

            await Deny(context, StatusCodes.Status401Unauthorized, key is null ? "the API key is not valid" : "the API key has been revoked");
            return;
        }

        if (!key.Allows(required))
        {
            await Deny(context, StatusCodes.Status403Forbidden, $"the API key's scope '{key.Scope.ToString().ToLowerInvariant()}' does not allow this; it needs '{required.ToString().ToLowerInvariant()}'");
            return;
        }

        context.Items[ApiKeyItem] = key;
        await next(context);
    }

    // The session cookie authenticates reads, and writes only through forms that carry an antiforgery token (checked by
    // UseAntiforgery after this middleware): SameSite=Strict already keeps other sites' requests cookie-less; this is
    // the second lock.
    private static bool CookieCounts(HttpRequest request, Endpoint? endpoint) =>
        HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)
        || endpoint?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: true };

    private static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var value = authorization["Bearer ".Length..].Trim();
            return value.Length > 0 ? value : null;
        }

        var header = request.Headers["X-API-Key"].ToString().Trim();
        return header.Length > 0 ? header : null;
    }

    private static async Task Deny(HttpContext context, int status, string message)
    {
        var request = context.Request;
        var contentType = request.ContentType ?? string.Empty;
        if (contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            // A gRPC "trailers-only" response: HTTP 200 with the status in the headers.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = status == StatusCodes.Status401Unauthorized ? "16" : "7";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return;
        }

        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        var path = request.Path.Value ?? string.Empty;
        if (path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            await OtlpHttpHandler.WriteStatusAsync(context, status, status == StatusCodes.Status401Unauthorized ? 16 : 7, message);
            return;
        }

        if (PrometheusPaths.IsPrometheusApi(path))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($"{{\"status\":\"error\",\"errorType\":\"unauthorized\",\"error\":{System.Text.Json.JsonSerializer.Serialize(message)}}}", Encoding.UTF8);
            return;
        }

        await Results.Problem(statusCode: status, title: status == 401 ? "Unauthorized" : "Forbidden", detail: message).ExecuteAsync(context);
    }
}

/// <summary>
/// Anyone may open this, with or without a key: on a Razor component page as an attribute (the login page, which must be
/// reachable before signing in), on an endpoint through <see cref="AllowWithoutKeyExtensions.AllowWithoutKey"/> (the UI's assets).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AllowWithoutKeyAttribute : Attribute;

/// <summary>Whether API keys are required, decided once at start from the configuration and the bind addresses.</summary>
public sealed record ApiKeyPolicy(bool KeysRequired);

/// <summary>The paths that speak the Prometheus HTTP API's envelope.</summary>
public static class PrometheusPaths
{
    private static readonly string[] Paths = ["/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels", "/api/v1/label/", "/api/v1/metadata", "/api/v1/status/buildinfo", "/api/v1/write", "/api/v1/query_exemplars"];

    /// <summary>True for a Prometheus-compatible path.</summary>
    public static bool IsPrometheusApi(string path) =>
        Paths.Any(p => p.EndsWith('/') ? path.StartsWith(p, StringComparison.Ordinal) : string.Equals(path, p, StringComparison.Ordinal));
}
