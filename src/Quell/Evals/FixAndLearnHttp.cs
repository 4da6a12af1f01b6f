using System.Text.Json;
using Quell.Evals;
using Quell.Server;

namespace Quell.Server.Evals;

/// <summary>Request reading and problem responses shared by the eval and post-mortem endpoints.</summary>
internal static class FixAndLearnHttp
{
    public static async Task<(JsonElement Body, IResult? Problem)> ReadAsync(HttpContext http)
    {
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 32 }, http.RequestAborted).ConfigureAwait(false);
            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return (default, Field("$", $"malformed JSON: {ex.Message.Split(" Path:")[0]}"));
        }
    }

    public static async Task<(JsonElement Body, IResult? Problem)> ReadObjectAsync(HttpContext http)
    {
        var (body, problem) = await ReadAsync(http).ConfigureAwait(false);
        return problem is null && body.ValueKind != JsonValueKind.Object ? (default, Field("$", "the body must be a JSON object")) : (body, problem);
    }

    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    public static IResult Field(string field, string message) =>
        Problems.Create(400, "Invalid request", $"{field}: {message}", [new IngestError(0, null, field, message)]);

    public static IResult NotFound(string message) => Problems.Create(404, "Not found", message);
}
