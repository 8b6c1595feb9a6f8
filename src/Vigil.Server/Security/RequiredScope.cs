using Vigil.Core.Security;

namespace Vigil.Server.Security;

/// <summary>Endpoint metadata: the API key scope a request to this endpoint needs.</summary>
public sealed record RequiredScope(ApiKeyScope Scope);

/// <summary>Marks endpoints with the scope they need.</summary>
public static class RequiredScopeExtensions
{
    /// <summary>Requests to these endpoints need a key with <paramref name="scope"/> (or admin) whenever keys are required.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiKeyScope scope)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredScope(scope));
}

/// <summary>Marks endpoints that need no key.</summary>
public static class AllowWithoutKeyExtensions
{
    /// <summary>Requests to these endpoints pass without a key even when keys are required; a presented key is ignored.</summary>
    public static TBuilder AllowWithoutKey<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AllowWithoutKeyAttribute());
}
