using Vigil.Core.Security;
using Vigil.Server.Security;

namespace Vigil.Server.Ui;

/// <summary>
/// Who is looking at a page: what the request's key (from the login cookie or a header) allows. Pages use it to show
/// or hide actions; the actions' endpoints check the scope again, so hiding is a courtesy, not the control.
/// </summary>
public static class UiSession
{
    /// <summary>The key that authenticated the request, or null (no key presented).</summary>
    public static ApiKey? Key(HttpContext context) => context.Items[ApiKeyMiddleware.ApiKeyItem] as ApiKey;

    /// <summary>True when this request may take admin actions: its key has the admin scope, or keys are not required and it presented none.</summary>
    public static bool CanAdminister(HttpContext context)
    {
        var key = Key(context);
        if (key is not null)
        {
            return key.Allows(ApiKeyScope.Admin);
        }

        return !context.RequestServices.GetRequiredService<ApiKeyPolicy>().KeysRequired;
    }
}
