namespace Vigil.Server.Ui.Layout;

/// <summary>
/// Sets a page's HTTP status (404 for an unknown id, 400 for bad query input) while keeping the page's own message.
/// Use this instead of assigning <c>Response.StatusCode</c> in a component: .NET 10's Razor component endpoint drops the
/// rendered body of a page whose status is 404 when rendering ends (it expects status-code re-execution), so a page
/// that sets 404 itself would answer an empty response. The status here is applied just before the headers are sent,
/// after the page has rendered.
/// </summary>
public static class PageStatus
{
    /// <summary>Answers the page with <paramref name="status"/> once it has rendered.</summary>
    public static void Set(HttpContext context, int status)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.OnStarting(() =>
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        });
    }
}
