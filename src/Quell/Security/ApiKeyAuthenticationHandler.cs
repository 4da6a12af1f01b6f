using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Quell.Configuration;

namespace Quell.Security;

/// <summary>
/// Authenticates a request by its API key, sent as <c>Authorization: Bearer qk_…</c> (OTLP exporters, browsers,
/// Alertmanager's <c>http_config.authorization</c>), <c>x-api-key: qk_…</c>, or as the password of
/// <c>Authorization: Basic</c> (Alertmanager's <c>basic_auth</c>, a webhook URL with credentials). Cookies and query strings are never
/// read, so a page in an operator's browser cannot ride on a stored credential.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyService keys,
    QuellConfig config)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "x-api-key";

    /// <summary>Set by the authorization result handler: the scope the refused route needs.</summary>
    internal const string RequiredScopeItem = "quell:required-scope";

    /// <summary>Everyone is admin when keys are switched off (security.require_api_keys: false).</summary>
    private static readonly ClaimsPrincipal Open = QuellPrincipal.For(new ApiKey
    {
        Id = "anonymous",
        Name = "anonymous",
        Prefix = string.Empty,
        Hash = string.Empty,
        Scopes = [Scopes.Admin],
        CreatedAt = DateTimeOffset.UnixEpoch,
    });

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!config.Security.RequireApiKeys)
        {
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Open, SchemeName)));
        }

        var presented = Presented(Request.Headers);
        if (presented.IsEmpty)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var principal = keys.Authenticate(presented);
        return Task.FromResult(principal is null
            ? AuthenticateResult.Fail("unknown or revoked API key")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer realm=\"quell\", error=\"invalid_token\"" : "Bearer realm=\"quell\"";
        var detail = failed
            ? "The API key is unknown or revoked."
            : "This route needs an API key: send 'Authorization: Bearer qk_…' or 'x-api-key: qk_…'.";
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", detail).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var scope = Context.Items.TryGetValue(RequiredScopeItem, out var s) ? s as string : null;
        var detail = scope is null
            ? "This API key may not use this route."
            : $"This API key lacks the scope '{scope}' that this route needs.";
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", detail);
    }

    /// <summary>The credential in the request's headers, or empty.</summary>
    internal static ReadOnlySpan<char> Presented(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization;
        if (authorization.Count == 1)
        {
            var value = authorization[0].AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value["Bearer ".Length..].Trim();
            }

            // Senders that only do basic auth (Alertmanager's basic_auth, credentials in a webhook URL) send the key as the password.
            if (value.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return BasicPassword(value["Basic ".Length..].Trim());
            }
        }

        var apiKey = headers[HeaderName];
        return apiKey.Count == 1 ? apiKey[0].AsSpan().Trim() : [];
    }

    private static ReadOnlySpan<char> BasicPassword(ReadOnlySpan<char> encoded)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (encoded.Length > 340 || !Convert.TryFromBase64Chars(encoded, bytes, out var written))
        {
            return [];
        }

        var text = System.Text.Encoding.UTF8.GetString(bytes[..written]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? [] : text.AsSpan(colon + 1).Trim();
    }

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(statusCode: status, title: title, detail: detail, type: $"https://quell.dev/problems/{title.ToLowerInvariant()}").ExecuteAsync(Context);
    }
}
