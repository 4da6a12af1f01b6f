using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Quell.Configuration;

namespace Quell.Security;

/// <summary>
/// Registers API-key authentication, one authorization policy per scope (named like the scope), the audit log, host
/// filtering and CORS when configured, and the request guards.
/// </summary>
public static class SecuritySetup
{
    private const string CorsPolicy = "quell-cors";

    public static IServiceCollection AddQuellSecurity(this IServiceCollection services, SecurityConfig config)
    {
        services.AddSingleton<ApiKeyService>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton(sp => new OutboundPolicy(sp.GetRequiredService<Configuration.QuellConfig>()));
        services.AddSingleton(sp => new InboundSignatures(sp.GetRequiredService<Configuration.QuellConfig>(), Environment.GetEnvironmentVariable));
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ScopeAuthorizationResultHandler>();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var authorization = services.AddAuthorizationBuilder()

            // A route that forgot its scope is admin-only rather than open; the endpoint-table test names it.
            .SetFallbackPolicy(ScopePolicy(Scopes.Admin));
        foreach (var scope in Scopes.All)
        {
            authorization.AddPolicy(scope, ScopePolicy(scope));
        }

        if (config.AllowedHosts.Count > 0)
        {
            services.AddHostFiltering(o =>
            {
                o.AllowedHosts = [.. config.AllowedHosts];
                o.AllowEmptyHosts = false;
            });
        }

        if (config.CorsOrigins.Count > 0)
        {
            services.AddCors(o => o.AddPolicy(CorsPolicy, p => p
                .WithOrigins([.. config.CorsOrigins])
                .WithMethods("GET", "POST", "PUT", "DELETE")
                .WithHeaders("authorization", "x-api-key", "content-type", "if-none-match")
                .WithExposedHeaders("etag", "retry-after")
                .SetPreflightMaxAge(TimeSpan.FromMinutes(10))));
        }

        return services;
    }

    public static WebApplication UseQuellSecurity(this WebApplication app, SecurityConfig config)
    {
        // Webhook secrets are read now, so a missing variable stops the start with its name rather than a later 500.
        _ = app.Services.GetRequiredService<InboundSignatures>();
        if (config.AllowedHosts.Count > 0)
        {
            app.UseHostFiltering();
        }

        app.UseMiddleware<RequestGuards>();
        if (config.CorsOrigins.Count > 0)
        {
            app.UseCors(CorsPolicy);
        }

        app.UseAuthentication();

        // Before authorization, so refused attempts are audited too.
        app.UseMiddleware<AuditMiddleware>();
        app.UseAuthorization();
        return app;
    }

    private static AuthorizationPolicy ScopePolicy(string scope) => new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser()
        .RequireClaim(Scopes.ClaimType, scope)
        .Build();
}
