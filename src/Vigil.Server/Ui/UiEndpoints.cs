using Vigil.Core.Security;
using Vigil.Server.Security;

namespace Vigil.Server.Ui;

/// <summary>
/// The web UI on the main port: Razor components rendered on the server (static SSR, no circuit), their embedded
/// assets, and the fragments live regions re-fetch. Pages need a read key whenever keys are required.
/// </summary>
public static class UiEndpoints
{
    /// <summary>Registers what the UI's pages need.</summary>
    public static IServiceCollection AddUi(this IServiceCollection services)
    {
        services.AddRazorComponents();
        LoginCookie.AddLoginCookie(services);
        services.AddSingleton<Data.ServiceRedCache>();
        return services;
    }

    /// <summary>Maps the pages and the assets.</summary>
    public static void MapUi(this WebApplication app)
    {
        app.MapUiAssets().AllowWithoutKey();
        app.MapRazorComponents<App>().RequireScope(ApiKeyScope.Read);
        app.MapLogin();
        app.MapReleaseUi();
    }
}
