namespace Quell.Security;

/// <summary>
/// How a route declares what it needs: <c>app.MapGroup("/api/v1/things").RequireScope(Scopes.Read)</c>. Every route
/// belongs to a group (or carries a route-level scope when one group mixes readers and writers); the endpoint-table
/// test refuses any route without one.
/// </summary>
public static class ScopedRoutes
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        if (Scopes.Parse(scope) != scope)
        {
            throw new ArgumentException($"'{scope}' is not one of {string.Join(", ", Scopes.All)}", nameof(scope));
        }

        return builder.RequireAuthorization(scope);
    }
}
