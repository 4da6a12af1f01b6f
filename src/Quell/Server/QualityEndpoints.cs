using Quell.Configuration;
using Quell.Detection;
using Quell.Ingest;
using Quell.Security;
using Quell.Server.Detection;
using Quell.Storage;
using Quell.Validation;

namespace Quell.Server;

/// <summary>POST /api/v1/evals (graded eval cases) and POST /api/v1/feedback (user ratings of calls).</summary>
public static class QualityEndpoints
{
    public static void MapQualityInputs(this IEndpointRouteBuilder app)
    {
        var quality = app.MapGroup("/api/v1").RequireScope(Scopes.Ingest);
        quality.MapPost("/evals", (HttpContext http, QuellConfig config, TimeProvider time, IQualityLog log, IngestMetrics metrics, DetectionService detection, InputValidator validator) =>
            AcceptAsync(http, config, metrics, detection, "evals", new JsonBatchDecoder<EvalResult>(config.Limits, time, QualityInputJson.ReadEval, validator.Eval), log.AppendEvalsAsync)).RequireSignature(InboundWebhookSources.Evals);

        quality.MapPost("/feedback", (HttpContext http, QuellConfig config, TimeProvider time, IQualityLog log, IngestMetrics metrics, DetectionService detection, InputValidator validator) =>
            AcceptAsync(http, config, metrics, detection, "feedback", new JsonBatchDecoder<FeedbackRecord>(config.Limits, time, QualityInputJson.ReadFeedback, validator.Feedback), log.AppendFeedbackAsync)).RequireSignature(InboundWebhookSources.Feedback);
    }

    private static async Task<IResult> AcceptAsync<T>(HttpContext http, QuellConfig config, IngestMetrics metrics, DetectionService detection, string source, JsonBatchDecoder<T> decoder, Func<IReadOnlyList<T>, CancellationToken, Task> append)
        where T : class
    {
        var (batch, problem) = await RecordBatchRequest.ReadAsync(http, config, decoder, metrics, source).ConfigureAwait(false);
        if (batch is null)
        {
            return problem!;
        }

        await append(batch.Records, http.RequestAborted).ConfigureAwait(false);
        metrics.Accepted(source, batch.Records.Count);
        detection.Poke();
        return Results.Json(new IngestResponse(batch.Records.Count, 0, batch.Errors.Count, RecordBatchRequest.Errors(batch)), ServerJsonContext.Default.IngestResponse);
    }
}
