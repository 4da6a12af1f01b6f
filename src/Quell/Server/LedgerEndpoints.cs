using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Mitigations;
using Quell.Security;

namespace Quell.Server;

/// <summary>A request to count one call against a shared budget or loop cap.</summary>
public sealed record LedgerReserveRequest
{
    public string? MitigationId { get; init; }
    public string? Feature { get; init; }
    public string? Tenant { get; init; }
    public string? User { get; init; }
    public string? TraceId { get; init; }

    /// <summary>Budget caps: the estimated cost of the call in USD. Loop caps count 1 whatever is sent.</summary>
    public double Amount { get; init; }
}

/// <summary>The real amount of a call that held a reservation.</summary>
public sealed record LedgerSettleRequest
{
    public string? ReservationId { get; init; }
    public double Actual { get; init; }
}

/// <summary>The answer to a reservation.</summary>
public sealed record LedgerReserveResponse(bool Granted, string? ReservationId, double Used, double Cap, string MitigationId);

/// <summary>
/// /api/v1/ledger: budget and loop caps counted once for every gateway instance. The cap and what it is kept per
/// come from the active mitigation on the server, never from the caller.
/// </summary>
public static class LedgerEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public static IEndpointRouteBuilder MapLedger(this IEndpointRouteBuilder app)
    {
        // Callers that report calls (a gateway's own key) count them against caps.
        var ledgerGroup = app.MapGroup("/api/v1/ledger").RequireScope(Scopes.Ingest);
        ledgerGroup.MapPost("/reserve", async (HttpContext http, MitigationControlPlane plane, SharedLedger ledger, TimeProvider time) =>
        {
            var body = await ReadAsync<LedgerReserveRequest>(http).ConfigureAwait(false);
            if (body.Problem is not null)
            {
                return body.Problem;
            }

            var r = body.Value!;
            if (string.IsNullOrEmpty(r.MitigationId))
            {
                return Problems.Create(400, "Bad request", "field 'mitigation_id' is required");
            }

            if (!double.IsFinite(r.Amount) || r.Amount < 0 || r.Amount > 1e6)
            {
                return Problems.Create(400, "Bad request", "field 'amount' must be a finite number between 0 and 1000000");
            }

            var now = time.GetUtcNow();
            var m = plane.Current.Mitigations.FirstOrDefault(x => x.Id == r.MitigationId);
            if (m is null || !m.IsLive(now))
            {
                return Problems.Create(404, "Not found", $"mitigation '{r.MitigationId}' is not active");
            }

            string account;
            double cap;
            double amount;
            switch (m.Kind)
            {
                case MitigationKind.BudgetCap:
                    var per = m.Parameters.Per ?? "feature";
                    var who = per switch { "tenant" => r.Tenant, "user" => r.User, _ => r.Feature };
                    account = $"{m.Id}|{per}:{who}|{DateOnly.FromDateTime(now.UtcDateTime):yyyy-MM-dd}";
                    cap = m.Parameters.DailyUsd ?? double.MaxValue;
                    amount = r.Amount;
                    break;
                case MitigationKind.LoopCap:
                    if (string.IsNullOrEmpty(r.TraceId))
                    {
                        return Problems.Create(400, "Bad request", "field 'trace_id' is required for a loop cap");
                    }

                    account = $"{m.Id}|trace:{r.TraceId}";
                    cap = m.Parameters.MaxCallsPerTrace ?? int.MaxValue;
                    amount = 1;
                    break;
                default:
                    return Problems.Create(400, "Bad request", $"mitigation '{m.Id}' is a {m.Kind}, which has no shared ledger");
            }

            var grant = ledger.Reserve(account, amount, cap);
            return Results.Json(new LedgerReserveResponse(grant.Granted, grant.ReservationId, grant.Used, grant.Cap, m.Id), Json);
        });

        ledgerGroup.MapPost("/settle", async (HttpContext http, SharedLedger ledger) =>
        {
            var body = await ReadAsync<LedgerSettleRequest>(http).ConfigureAwait(false);
            if (body.Problem is not null)
            {
                return body.Problem;
            }

            var s = body.Value!;
            if (string.IsNullOrEmpty(s.ReservationId))
            {
                return Problems.Create(400, "Bad request", "field 'reservation_id' is required");
            }

            if (!double.IsFinite(s.Actual) || s.Actual < 0 || s.Actual > 1e6)
            {
                return Problems.Create(400, "Bad request", "field 'actual' must be a finite number between 0 and 1000000");
            }

            return ledger.Settle(s.ReservationId, s.Actual)
                ? Results.NoContent()
                : Problems.Create(404, "Not found", $"reservation '{s.ReservationId}' is unknown, settled or lapsed");
        });
        return app;
    }

    private static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext http)
        where T : class
    {
        if (http.Request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.Create(415, "Unsupported media type", "send the body as application/json"));
        }

        if (http.Request.ContentLength is > 64 * 1024)
        {
            return (null, Problems.Create(413, "Too large", "a ledger request is at most 64 KiB"));
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, Json, http.RequestAborted).ConfigureAwait(false);
            return value is null ? (null, Problems.Create(400, "Bad request", "the body must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.Create(400, "Bad request", $"invalid JSON at {ex.Path ?? "$"} (line {ex.LineNumber}, byte {ex.BytePositionInLine}): {ex.Message.Split('.')[0]}"));
        }
    }
}
