namespace Vigil.Core.Telemetry;

/// <summary>
/// The OpenTelemetry resource a signal came from. The promoted attributes name the service, release and
/// environment; all other attributes are kept in <see cref="Attributes"/>.
/// </summary>
public sealed record TelemetryResource(IReadOnlyList<TelemetryAttribute> Attributes)
{
    /// <summary>The empty resource.</summary>
    public static TelemetryResource Empty { get; } = new([]);

    /// <summary>The value of a resource attribute, or null.</summary>
    public string? Get(string key)
    {
        foreach (var attribute in Attributes)
        {
            if (string.Equals(attribute.Key, key, StringComparison.Ordinal))
            {
                return attribute.Value;
            }
        }

        return null;
    }

    /// <summary><c>service.name</c>, or empty.</summary>
    public string ServiceName => Get(ResourceAttributes.ServiceName) ?? string.Empty;

    /// <summary><c>service.version</c>, or empty.</summary>
    public string ServiceVersion => Get(ResourceAttributes.ServiceVersion) ?? string.Empty;

    /// <summary><c>deployment.environment.name</c>, falling back to the older <c>deployment.environment</c>, or empty.</summary>
    public string Environment => Get(ResourceAttributes.DeploymentEnvironmentName) ?? Get(ResourceAttributes.DeploymentEnvironment) ?? string.Empty;

    /// <summary><c>service.instance.id</c>, or empty.</summary>
    public string ServiceInstanceId => Get(ResourceAttributes.ServiceInstanceId) ?? string.Empty;
}

/// <summary>Resource attribute keys from the OpenTelemetry semantic conventions that Vigil relies on.</summary>
public static class ResourceAttributes
{
    public const string ServiceName = "service.name";
    public const string ServiceNamespace = "service.namespace";
    public const string ServiceVersion = "service.version";
    public const string ServiceInstanceId = "service.instance.id";
    public const string DeploymentEnvironmentName = "deployment.environment.name";

    /// <summary>The older key, accepted as an alias of <see cref="DeploymentEnvironmentName"/>.</summary>
    public const string DeploymentEnvironment = "deployment.environment";
}

/// <summary>Label names Vigil promotes from resource attributes onto every series (ARCHITECTURE.md, naming contract).</summary>
public static class PromotedLabels
{
    public const string ServiceName = "service_name";
    public const string ServiceVersion = "service_version";
    public const string DeploymentEnvironmentName = "deployment_environment_name";
    public const string ServiceInstanceId = "service_instance_id";
    public const string Job = "job";
    public const string Instance = "instance";
}
