using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Vigil.Server.Configuration;

namespace Vigil.Server.Ui;

/// <summary>
/// The UI's session cookie: after a successful sign-in it carries the API key itself, protected (encrypted and signed)
/// with ASP.NET Core Data Protection, so the server keeps no session table and a revoked key signs its sessions out at
/// once (every request verifies the key again). The cookie is HttpOnly, SameSite=Strict, Secure on https, and valid
/// for at most <see cref="Lifetime"/>. Data Protection's keys live in <c>&lt;data&gt;/ui-keys</c> (mode 0700): the data
/// folder is the trust boundary, as it already holds the key hashes and all telemetry.
/// </summary>
public sealed class LoginCookie(IDataProtectionProvider provider)
{
    /// <summary>The cookie's name.</summary>
    public const string Name = "vigil_session";

    /// <summary>The folder under the data folder that holds the Data Protection keys.</summary>
    public const string KeysFolder = "ui-keys";

    /// <summary>How long a sign-in lasts: 12 hours, a working day; then the login page asks again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    private readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("Vigil.Ui.Session.v1").ToTimeLimitedDataProtector();

    /// <summary>The key secret the request's cookie carries, or null (no cookie, tampered, expired, or from other keys).</summary>
    public string? Read(HttpRequest request)
    {
        if (!request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value) || value.Length > 4096)
        {
            return null;
        }

        try
        {
            var secret = _protector.Unprotect(value);
            return secret.Length > 0 ? secret : null;
        }
        catch (CryptographicException)
        {
            // Tampered, expired, or protected with keys this server no longer has (data folder replaced): not signed in.
            return null;
        }
    }

    /// <summary>Signs the browser in with <paramref name="secret"/> (a key already verified).</summary>
    public void Issue(HttpContext context, string secret) =>
        context.Response.Cookies.Append(Name, _protector.Protect(secret, Lifetime), Options(context.Request));

    /// <summary>Signs the browser out.</summary>
    public static void Clear(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context.Request));

    private static CookieOptions Options(HttpRequest request) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = request.IsHttps,
        Path = "/",
        IsEssential = true,
    };

    /// <summary>
    /// Registers Data Protection with its keys in <c>&lt;data&gt;/ui-keys</c> and the cookie. Keys are stored
    /// unencrypted inside that 0700 folder on purpose (the data folder is the trust boundary), so Data Protection's
    /// "No XML encryptor configured" warning is lowered to below Warning rather than logged at every key rotation.
    /// </summary>
    internal static IServiceCollection AddLoginCookie(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("vigil");
        services.AddOptions<KeyManagementOptions>().Configure<ServerOptions, ILoggerFactory>((options, server, loggers) =>
        {
            var folder = Path.Combine(Path.GetFullPath(server.DataDirectory), KeysFolder);
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            options.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(folder), loggers);
        });
        services.Configure<LoggerFilterOptions>(filters =>
            filters.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));
        services.AddSingleton<LoginCookie>();
        return services;
    }
}
