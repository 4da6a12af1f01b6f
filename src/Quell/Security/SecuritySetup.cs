using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Quell.Security;

/// <summary>Registers API-key authentication and one authorization policy per scope (the policy is named like the scope).</summary>
public static class SecuritySetup
{
    public static IServiceCollection AddQuellSecurity(this IServiceCollection services)
    {
        services.AddSingleton<SqliteApiKeyStore>();
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeAuthorizationResultHandler>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var authorization = services.AddAuthorizationBuilder()

            // A route without a policy of its own still needs a valid key.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(scope, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(Scopes.ClaimType, scope));
        }

        return services;
    }

    public static WebApplication UseQuellSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }
}
