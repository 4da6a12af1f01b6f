using Quell.Configuration;
using Quell.Detection;
using Quell.Ingest;
using Quell.Server.Detection;
using Quell.Storage;

namespace Quell.Server;

/// <summary>POST /api/v1/evals (graded eval cases) and POST /api/v1/feedback (user ratings of calls).</summary>
public static class QualityEndpoints
{
    public static void MapQualityInputs(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/evals", async (HttpContext http, QuellConfig config, TimeProvider time, IQualityLog log, IngestMetrics metrics, DetectionService detection) =>
        {
            var decoder = new JsonBatchDecoder<EvalResult>(config.Limits, time, QualityInputJson.ReadEval);
            var (batch, problem) = await RecordBatchRequest.ReadAsync(http, config, decoder, metrics, "evals").ConfigureAwait(false);
            if (batch is null)
            {
                return problem!;
            }

            await log.AppendEvalsAsync(batch.Records, http.RequestAborted).ConfigureAwait(false);
            metrics.Accepted("evals", batch.Records.Count);
            detection.Poke();
            return Results.Json(new IngestResponse(batch.Records.Count, 0, batch.Errors.Count, RecordBatchRequest.Errors(batch)), ServerJsonContext.Default.IngestResponse);
        });

        app.MapPost("/api/v1/feedback", async (HttpContext http, QuellConfig config, TimeProvider time, IQualityLog log, IngestMetrics metrics, DetectionService detection) =>
        {
            var decoder = new JsonBatchDecoder<FeedbackRecord>(config.Limits, time, QualityInputJson.ReadFeedback);
            var (batch, problem) = await RecordBatchRequest.ReadAsync(http, config, decoder, metrics, "feedback").ConfigureAwait(false);
            if (batch is null)
            {
                return problem!;
            }

            await log.AppendFeedbackAsync(batch.Records, http.RequestAborted).ConfigureAwait(false);
            metrics.Accepted("feedback", batch.Records.Count);
            detection.Poke();
            return Results.Json(new IngestResponse(batch.Records.Count, 0, batch.Errors.Count, RecordBatchRequest.Errors(batch)), ServerJsonContext.Default.IngestResponse);
        });
    }
}
