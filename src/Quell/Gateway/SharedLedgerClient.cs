using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Client;
using Quell.Contracts;

namespace Quell.Gateway;

/// <summary>A call counted against shared caps; settle it with the real cost when the call is done.</summary>
public sealed class LedgerHold(SharedLedgerClient owner, IReadOnlyList<(string ReservationId, bool Budget)> reservations)
{
    private int _settled;

    public static LedgerHold None { get; } = new(null!, []);

    public Task SettleAsync(double actualCost)
    {
        if (reservations.Count == 0 || Interlocked.Exchange(ref _settled, 1) != 0)
        {
            return Task.CompletedTask;
        }

        return owner.SettleAsync(reservations, actualCost, release: false);
    }
}

/// <summary>
/// Budget and loop caps for every gateway instance at once: before a covered call the gateway reserves on the
/// Quell server, after it settles. When Quell cannot be asked, the cap is enforced by this instance alone
/// (what <see cref="QuellConnection"/> already counted), which can overshoot by the other instances' share.
/// </summary>
public sealed class SharedLedgerClient(HttpClient http, Uri server)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Reserves for each covering cap; the first refusal releases the others and names the mitigation.</summary>
    public async Task<(LedgerHold? Hold, MitigationInfo? RefusedBy)> ReserveAsync(IReadOnlyList<MitigationInfo> caps, GatewayCallContext call, double estimate, CancellationToken cancellationToken)
    {
        if (caps.Count == 0)
        {
            return (LedgerHold.None, null);
        }

        var held = new List<(string, bool)>();
        foreach (var m in caps)
        {
            var budget = m.Kind == "budget_cap";
            var body = new Dictionary<string, object?>
            {
                ["mitigation_id"] = m.Id,
                ["feature"] = call.Feature,
                ["tenant"] = call.Tenant,
                ["user"] = call.User,
                ["trace_id"] = call.TraceId,
                ["amount"] = budget ? estimate : 1,
            };
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await http.PostAsJsonAsync(new Uri(server, "/api/v1/ledger/reserve"), body, Json, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                {
                    // The mitigation ended between the snapshot and now: nothing to count against.
                    continue;
                }

                response.EnsureSuccessStatusCode();
                var grant = await response.Content.ReadFromJsonAsync<Grant>(Json, timeout.Token).ConfigureAwait(false);
                if (grant is null || !grant.Granted || grant.ReservationId is null)
                {
                    await SettleAsync(held, 0, release: true).ConfigureAwait(false);
                    return (null, m);
                }

                held.Add((grant.ReservationId, budget));
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    await SettleAsync(held, 0, release: true).ConfigureAwait(false);
                    throw;
                }

                // Quell unreachable: the local count stands in for this cap.
            }
        }

        return (new LedgerHold(this, held), null);
    }

    internal async Task SettleAsync(IReadOnlyList<(string ReservationId, bool Budget)> reservations, double actualCost, bool release)
    {
        foreach (var (id, budget) in reservations)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var _ = await http.PostAsJsonAsync(new Uri(server, "/api/v1/ledger/settle"), new Dictionary<string, object> { ["reservation_id"] = id, ["actual"] = release ? 0 : budget ? actualCost : 1 }, Json, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // An unsettled reservation lapses on the server and gives its amount back.
            }
        }
    }

    private sealed record Grant(bool Granted, string? ReservationId, double Used, double Cap);
}

/// <summary>Who and what one gateway call is about.</summary>
public sealed record GatewayCallContext(string? Feature, string? Tenant, string? User, string? TraceId, string? SessionId, string? PromptVersion, string Provider, string Model);
