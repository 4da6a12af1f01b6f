using System.Globalization;
using Quell.Changes;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Storage;
using Quell.Security;

namespace Quell.Server;

/// <summary>POST and GET /api/v1/changes: deploys and configuration changes for change correlation.</summary>
public static class ChangeEndpoints
{
    public static void MapChanges(this IEndpointRouteBuilder app)
    {
        // One resource, two audiences: deploy pipelines write changes, investigators read them.
        var group = app.MapGroup("/api/v1/changes");
        group.MapPost(string.Empty, async (HttpContext http, QuellConfig config, TimeProvider time, IChangeLog changes, IngestMetrics metrics, Validation.InputValidator validator) =>
        {
            var decoder = new JsonBatchDecoder<ChangeEvent>(config.Limits, time, ChangeEventJson.Read, validator.Change);
            var (batch, problem) = await RecordBatchRequest.ReadAsync(http, config, decoder, metrics, "changes").ConfigureAwait(false);
            if (batch is null)
            {
                return problem!;
            }

            var inserted = await changes.AppendAsync(batch.Records, http.RequestAborted).ConfigureAwait(false);
            return Results.Json(new IngestResponse(inserted, batch.Records.Count - inserted, batch.Errors.Count, RecordBatchRequest.Errors(batch)), ServerJsonContext.Default.IngestResponse);
        }).RequireScope(Scopes.Ingest).RequireSignature(InboundWebhookSources.Changes);

        group.MapGet(string.Empty, async (HttpRequest request, IChangeLog changes, CancellationToken ct) =>
        {
            var feature = request.Query["feature"].ToString();
            var list = await changes.QueryAsync(QueryTime.Read(request, "from"), QueryTime.Read(request, "to"), feature.Length == 0 ? null : feature, 500, ct).ConfigureAwait(false);
            return Results.Json(list, ServerJsonContext.Default.IReadOnlyListChangeEvent);
        }).RequireScope(Scopes.Read);
    }
}
