using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Vigil.Server.Configuration;

namespace Vigil.Server.Ui.Data;

/// <summary>Where this server takes telemetry, as a client should write it.</summary>
/// <param name="Main">The main port's base address (UI and API; OTLP/HTTP under <c>/v1/*</c>), as the browser reached it.</param>
/// <param name="OtlpHttp">The OTLP/HTTP listener's base address, or null when it is disabled.</param>
/// <param name="OtlpGrpc">The OTLP/gRPC listener's address, or null when it is disabled.</param>
public sealed record ServiceOverviewIntake(string Main, string? OtlpHttp, string? OtlpGrpc)
{
    /// <summary>
    /// The addresses the server is bound to: Kestrel's <see cref="IServerAddressesFeature"/> lists them in the order
    /// the listeners were configured (main, OTLP/gRPC, OTLP/HTTP, see <see cref="VigilOptions.ListenAddresses"/>) with
    /// the real ports, also when port 0 picked one; when the lists do not line up, a listener is matched by its
    /// configured port, and failing that the configured value is shown. A wildcard host (<c>0.0.0.0</c>) is replaced
    /// by the host name the browser used, which a client on the same network can reach.
    /// </summary>
    public static ServiceOverviewIntake Read(HttpContext context)
    {
        var services = context.RequestServices;
        var configured = services.GetService<VigilOptions>()?.ListenAddresses().ToList() ?? [];
        var bound = (services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            .Select(a => Uri.TryCreate(a, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .ToList();
        var requestHost = context.Request.Host.Host;
        var main = $"{context.Request.Scheme}://{context.Request.Host}";

        string? Address(string name)
        {
            var index = configured.FindIndex(c => c.Name == name);
            if (index < 0)
            {
                return null;
            }

            var address = configured[index].Address;
            var uri = bound.Count == configured.Count ? bound[index]
                : address.Port != 0 ? bound.FirstOrDefault(b => b.Port == address.Port)
                : null;
            var host = uri?.Host.Trim('[', ']') ?? address.Host;
            var port = uri?.Port ?? address.Port;
            if (host.Length == 0 || host is "0.0.0.0" or "::" or "*")
            {
                host = requestHost;
            }

            return host.Contains(':', StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"http://[{host}]:{port}")
                : string.Create(CultureInfo.InvariantCulture, $"http://{host}:{port}");
        }

        return new ServiceOverviewIntake(main, Address("otlpHttp"), Address("otlpGrpc"));
    }
}
