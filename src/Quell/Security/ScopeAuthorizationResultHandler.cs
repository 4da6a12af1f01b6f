using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Quell.Security;

/// <summary>Notes which scope a refused route needs so the 403 can name it, then refuses as usual.</summary>
public sealed class ScopeAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var scope = policy.Requirements.OfType<ClaimsAuthorizationRequirement>()
                .FirstOrDefault(r => r.ClaimType == Scopes.ClaimType)?.AllowedValues?.FirstOrDefault();
            if (scope is not null)
            {
                context.Items[ApiKeyAuthenticationHandler.RequiredScopeItem] = scope;
            }
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
