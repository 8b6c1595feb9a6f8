using Microsoft.OpenApi;

namespace Vigil.Server.Api;

/// <summary>
/// Describes query parameters in the OpenAPI document for endpoints that read and validate their query string
/// themselves (so a bad value gets a problem detail naming the parameter, rather than a binding failure).
/// </summary>
internal static class OpenApiQueryParameters
{
    /// <summary>Adds string query parameters, each with a description, to the endpoint's OpenAPI operation.</summary>
    public static RouteHandlerBuilder WithQueryParameters(this RouteHandlerBuilder builder, params (string Name, string Description)[] parameters) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in parameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = name,
                    In = ParameterLocation.Query,
                    Description = description,
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                });
            }

            return Task.CompletedTask;
        });
}
