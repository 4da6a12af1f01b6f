using System.Security.Claims;
using Quell.Calls;
using Quell.Server;

namespace Quell.Security;

/// <summary>
/// What a reader without read:content sees of a call: every figure and label, the kinds and positions of findings,
/// but no prompt, output, system prompt or finding evidence (which quotes them, canary values included).
/// Which fields are content is declared in <see cref="CallSchema"/>.
/// </summary>
public static class ContentMask
{
    public const string Masked = CallSchema.MaskedContent;

    public static CallView For(ClaimsPrincipal user, CallView call) => user.HasScope(Scopes.ReadContent) ? call : Apply(call);

    public static CallView Apply(CallView call) => call with { MaskContent = true };
}
