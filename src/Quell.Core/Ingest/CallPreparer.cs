using System.Security.Cryptography;
using System.Text;
using Quell.Calls;
using Quell.Pricing;

namespace Quell.Ingest;

/// <summary>
/// Prices a decoded call and applies its feature's content policy before it is stored. The policy of a feature comes
/// from <paramref name="contentPolicyOf"/> (the configuration's feature settings in the server).
/// </summary>
public sealed class CallPreparer(Func<string?, ContentPolicy> contentPolicyOf, PriceTable prices)
{
    public CallRecord Prepare(CallRecord call)
    {
        call = prices.Apply(call);
        var policy = contentPolicyOf(call.Feature);
        return policy switch
        {
            ContentPolicy.Store => call,
            ContentPolicy.Hash => call with { Input = Hash(call.Input), Output = Hash(call.Output), SystemPrompt = Hash(call.SystemPrompt) },
            _ => call with { Input = null, Output = null, SystemPrompt = null },
        };
    }

    /// <summary>"sha256:" and the hex digest, so equal texts still match without keeping them.</summary>
    public static string? Hash(string? text) =>
        text is null ? null : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
