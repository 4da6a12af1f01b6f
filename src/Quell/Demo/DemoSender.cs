using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Quell.Calls;
using Quell.Ingest;
using Quell.Server;
using Quell.Simulation;

namespace Quell.Demo;

/// <summary>
/// Sends the simulated application's events through Quell's public HTTP API in batches: calls as NDJSON to
/// /api/v1/calls (two requests in flight), and changes, eval results and feedback to their own endpoints
/// before the calls of the same stretch of time.
/// </summary>
public sealed class DemoSender(HttpClient http, int batchSize, Func<DateTimeOffset, Task> durable)
{
    private readonly List<CallRecord> _calls = new(batchSize);
    private readonly List<SimulatedEvalResult> _evals = [];
    private readonly List<SimulatedFeedback> _feedback = [];
    private readonly List<SimulatedChange> _changes = [];
    private readonly List<Task<(int Accepted, int Rejected)>> _inFlight = [];

    public long CallsSent { get; private set; }

    public long Accepted { get; private set; }

    public long Rejected { get; private set; }

    public long EvalsSent { get; private set; }

    public long FeedbackSent { get; private set; }

    public long ChangesSent { get; private set; }

    public async Task AddAsync(SimulatedEvent e, CancellationToken ct)
    {
        switch (e)
        {
            case SimulatedCall call:
                _calls.Add(call.Call);
                break;
            case SimulatedEvalResult eval:
                _evals.Add(eval);
                break;
            case SimulatedFeedback feedback:
                _feedback.Add(feedback);
                break;
            case SimulatedChange change:
                _changes.Add(change);
                break;
        }

        if (_calls.Count >= batchSize)
        {
            await FlushAsync(ct).ConfigureAwait(false);
        }
    }

    public async Task FinishAsync(CancellationToken ct)
    {
        await FlushAsync(ct).ConfigureAwait(false);
        foreach (var t in _inFlight)
        {
            var (a, r) = await t.ConfigureAwait(false);
            Accepted += a;
            Rejected += r;
        }

        _inFlight.Clear();
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        if (_changes.Count > 0)
        {
            await PostJsonLinesAsync("/api/v1/changes", _changes.Select(WriteChange), ct).ConfigureAwait(false);
            ChangesSent += _changes.Count;
            _changes.Clear();
        }

        if (_evals.Count > 0)
        {
            await PostJsonLinesAsync("/api/v1/evals", _evals.Select(WriteEval), ct).ConfigureAwait(false);
            EvalsSent += _evals.Count;
            _evals.Clear();
        }

        if (_feedback.Count > 0)
        {
            await PostJsonLinesAsync("/api/v1/feedback", _feedback.Select(WriteFeedback), ct).ConfigureAwait(false);
            FeedbackSent += _feedback.Count;
            _feedback.Clear();
        }

        if (_calls.Count == 0)
        {
            return;
        }

        var calls = _calls.ToArray();
        _calls.Clear();
        CallsSent += calls.Length;
        var (a, r) = await PostCallsAsync(calls, ct).ConfigureAwait(false);
        Accepted += a;
        Rejected += r;

        // Simulated time moves on only once these calls are durable and the caller has let Quell react to them.
        await durable(calls[^1].Timestamp).ConfigureAwait(false);
    }

    private async Task<(int Accepted, int Rejected)> PostCallsAsync(CallRecord[] calls, CancellationToken ct)
    {
        var body = CallRecordJsonWriter.ToNdjson(calls);
        var result = await PostAsync("/api/v1/calls", body, ct).ConfigureAwait(false);
        return (result.Accepted + result.Duplicates, result.Rejected);
    }

    private async Task PostJsonLinesAsync(string path, IEnumerable<string> lines, CancellationToken ct) =>
        await PostAsync(path, System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines)), ct).ConfigureAwait(false);

    private async Task<IngestResponse> PostAsync(string path, byte[] body, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
            using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, ct).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < 100)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var detail = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                throw new InvalidOperationException($"{path} refused a demo batch: HTTP {(int)response.StatusCode} {detail}");
            }

            return (await response.Content.ReadFromJsonAsync(ServerJsonContext.Default.IngestResponse, ct).ConfigureAwait(false))!;
        }
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string WriteEval(SimulatedEvalResult e) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["suite"] = e.Suite,
        ["case"] = e.CaseId,
        ["passed"] = e.Passed,
        ["score"] = e.Score,
        ["feature"] = e.Feature,
        ["model"] = e.Model,
        ["model_version"] = e.ModelVersion,
        ["prompt_version"] = e.PromptVersion,
        ["timestamp"] = Time(e.At),
    });

    private static string WriteFeedback(SimulatedFeedback f) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["call_id"] = f.CallId,
        ["timestamp"] = Time(f.At),
        ["thumbs"] = f.Positive ? "up" : "down",
        ["comment"] = f.Comment,
        ["feature"] = f.Feature,
        ["tenant"] = f.Tenant,
        ["model"] = f.Model,
        ["model_version"] = f.ModelVersion,
        ["prompt_version"] = f.PromptVersion,
    });

    private static string WriteChange(SimulatedChange c) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = c.Attributes.GetValueOrDefault("id"),
        ["timestamp"] = Time(c.At),
        ["kind"] = c.Kind,
        ["scope"] = new Dictionary<string, string> { ["feature"] = c.Scope },
        ["description"] = c.Description,
        ["author"] = c.Author,
        ["from"] = c.Attributes.GetValueOrDefault("from"),
        ["to"] = c.Attributes.GetValueOrDefault("to"),
    });
}
