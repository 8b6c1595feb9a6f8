using Microsoft.Net.Http.Headers;
using Vigil.Server.Security;

namespace Vigil.Server.Ui;

/// <summary>
/// Which requests are a person opening a page (and so get the login page or the NotFound page instead of an API error),
/// and where the login page may send them back to.
/// </summary>
public static class LoginRedirect
{
    /// <summary>The login page's path.</summary>
    public const string LoginPath = "/login";

    /// <summary>The longest return URL kept: 2,000 characters; a longer one returns to the overview.</summary>
    public const int MaxReturnUrlLength = 2000;

    // Paths whose answers are for programs, in their own formats: never a redirect or an HTML page.
    private static readonly string[] MachinePrefixes = ["/api/", "/v1/", "/openapi/", "/ui/assets/", "/metrics", "/healthz", "/readyz", "/federate"];

    /// <summary>
    /// True for a GET or HEAD of a page path (not the REST, OTLP or Prometheus API) by a client that accepts HTML: a
    /// browser navigating. Programs (no <c>Accept: text/html</c>) keep the API's status codes and formats.
    /// </summary>
    public static bool IsPageRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        var path = request.Path.Value ?? "/";
        if (PrometheusPaths.IsPrometheusApi(path) || MachinePrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        var accept = request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The login page's URL that returns to this request's path and query afterwards.</summary>
    public static string LoginUrl(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var back = (request.Path.Value ?? "/") + request.QueryString.Value;
        return SafeReturnUrl(back) is "/" ? LoginPath : $"{LoginPath}?returnUrl={Uri.EscapeDataString(back)}";
    }

    /// <summary>
    /// <paramref name="returnUrl"/> when it is a path on this server (starts with one <c>/</c>, no scheme, no
    /// <c>//host</c>, no backslash, no control characters, not the login page itself), else <c>/</c>: the login page
    /// never sends anyone to another site.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > MaxReturnUrlLength || returnUrl[0] != '/')
        {
            return "/";
        }

        if (returnUrl.Length > 1 && returnUrl[1] is '/' or '\\')
        {
            return "/";
        }

        if (returnUrl.Any(c => char.IsControl(c) || c == '\\'))
        {
            return "/";
        }

        var path = returnUrl.Split('?', 2)[0];
        return path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase) || path.StartsWith(LoginPath + "/", StringComparison.OrdinalIgnoreCase)
            ? "/"
            : returnUrl;
    }

    /// <summary>Answers a page request that has no valid key: 302 to the login page.</summary>
    public static void RedirectToLogin(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = LoginUrl(context.Request);
        context.Response.Headers.CacheControl = CacheControlHeaderValue.NoStoreString;
    }
}
