using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsCheck;
using Quell.Benchmarks;
using Quell.Calls;
using Quell.Configuration;
using Quell.Ingest;
using Quell.Telemetry;
using Quell.Tests.Server;
using Quell.Yaml;
using Xunit.Abstractions;

namespace Quell.Tests.Hardening;

/// <summary>
/// Property: whatever bytes arrive at any endpoint or decoder, the answer is never a 5xx or an unexpected exception,
/// the server keeps serving, and data accepted before is unchanged. CI runs a bounded number of cases; set
/// QUELL_FUZZ_CASES (e.g. 1000000) or QUELL_FUZZ_SECONDS for a long campaign, whose figures are printed at the end.
/// </summary>
public sealed class InputFuzzTests(ITestOutputHelper output)
{
    private static readonly long Cases = long.TryParse(Environment.GetEnvironmentVariable("QUELL_FUZZ_CASES"), CultureInfo.InvariantCulture, out var n) ? n : 1500;

    // A wall-clock budget for the HTTP campaign (QUELL_FUZZ_SECONDS): it then runs until the budget is spent instead of a count.
    private static readonly int Seconds = int.TryParse(Environment.GetEnvironmentVariable("QUELL_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var t) ? t : -1;

    [Fact]
    public async Task AnyEndpoint_MutatedPayloads_NeverAnswer5xxAndKeepAcceptedData()
    {
        var config = new QuellConfig
        {
            Limits = new IngestLimits { MaxBodyBytes = 2 * 1024 * 1024 },
            Playbook = new PlaybookConfig { OutboundAttemptTimeout = TimeSpan.FromMilliseconds(200), ReplayDeadline = TimeSpan.FromMilliseconds(500) },
        };
        await using var server = await QuellTestServer.StartAsync(config);
        var http = server.Client;
        var now = DateTimeOffset.UtcNow;
        var incident = await SeedAsync(http, now);
        var before = await SnapshotAsync(http, now);
        var targets = Targets(now, incident);
        var gen = Gen.Int[0, targets.Count - 1].SelectMany(i => InputMutator.Of(targets[i].Seed, targets[i].Json).Select(b => (Target: i, Body: b)));
        long sent = 0, fiveXx = 0, resent = 0;
        var byStatus = new Dictionary<int, long>();
        var failures = new List<string>();
        var watch = Stopwatch.StartNew();
        await gen.SampleAsync(
            async t =>
            {
                var target = targets[t.Target];
                using var request = target.Build(t.Body);
                int status;
                try
                {
                    using var response = await http.SendAsync(request);
                    status = (int)response.StatusCode;
                }
                catch (HttpRequestException) when (t.Body.Length > config.Limits.MaxBodyBytes)
                {
                    // Refused (413) on its declared length before the upload finished; the client sees the connection close.
                    status = 413;
                }
                catch (HttpRequestException)
                {
                    // A pooled connection the server closed after an early refusal: send again on a new connection.
                    Interlocked.Increment(ref resent);
                    using var fresh = new HttpClient { BaseAddress = http.BaseAddress };
                    fresh.DefaultRequestHeaders.Authorization = http.DefaultRequestHeaders.Authorization;
                    using var again = target.Build(t.Body);
                    using var response = await fresh.SendAsync(again);
                    status = (int)response.StatusCode;
                }

                lock (byStatus)
                {
                    sent++;
                    byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                    if (status >= 500)
                    {
                        fiveXx++;
                        if (failures.Count < 5)
                        {
                            failures.Add($"{target.Name} -> {status}: {Encoding.UTF8.GetString(t.Body.AsSpan(0, Math.Min(t.Body.Length, 300)))}");
                        }
                    }
                }
            },
            seed: "0N0XIzNsQ0O2",
            iter: Seconds > 0 ? -1 : Cases,
            time: Seconds,
            threads: 4);
        watch.Stop();
        var live = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"fuzz: {sent} inputs over {targets.Count} endpoint shapes in {watch.Elapsed.TotalSeconds:0.0} s ({sent / watch.Elapsed.TotalSeconds:0} inputs/s); 5xx: {fiveXx}; resent on a new connection: {resent}; statuses: {string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))}; "
            + $"test process peak working set {Environment.WorkingSet / 1048576} MB now, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MB peak, {live / 1048576} MB live after a full collection");
        Assert.True(fiveXx == 0, string.Join('\n', failures));
        using var health = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(before, await SnapshotAsync(http, now));
    }

    [Fact]
    public void AnyDecoder_MutatedPayloads_ReturnsFailuresNotExceptions()
    {
        var limits = new IngestLimits();
        var time = TimeProvider.System;
        var now = time.GetUtcNow();
        var validator = new Quell.Validation.InputValidator(limits);
        var native = new NativeCallDecoder(limits, time, validator.Call);
        var evals = new JsonBatchDecoder<Quell.Detection.EvalResult>(limits, time, Quell.Ingest.QualityInputJson.ReadEval, validator.Eval);
        var feedback = new JsonBatchDecoder<Quell.Detection.FeedbackRecord>(limits, time, Quell.Ingest.QualityInputJson.ReadFeedback, validator.Feedback);
        var changes = new JsonBatchDecoder<Quell.Changes.ChangeEvent>(limits, time, Quell.Ingest.ChangeEventJson.Read, validator.Change);
        var mapper = new GenAiSpanMapper(new GenAiAttributeNames(), limits, time);
        var seeds = Seeds(now);
        var decoders = new (string Name, byte[] Seed, bool Json, Action<byte[]> Decode)[]
        {
            ("native", seeds.Calls, true, b => native.Decode(b, out _)),
            ("native-ndjson", seeds.CallsNdjson, true, b => native.Decode(b, out _)),
            ("evals", seeds.Evals, true, b => evals.Decode(b, out _)),
            ("feedback", seeds.Feedback, true, b => feedback.Decode(b, out _)),
            ("changes", seeds.Changes, true, b => changes.Decode(b, out _)),
            ("otlp-json", seeds.OtlpJson, true, b =>
            {
                if (Utf8Validation.CheckJsonText(b) is null)
                {
                    Expect(() => Check(mapper.Map(OtlpJsonDecoder.Decode(b, 64)), validator, now), typeof(JsonException), typeof(FormatException), typeof(InvalidOperationException));
                }
            }),
            ("otlp-protobuf", seeds.OtlpProtobuf, false, b => Expect(() => Check(mapper.Map(OtlpProtobufDecoder.Decode(b)), validator, now), typeof(ProtoFormatException))),
            ("alertmanager", seeds.Alertmanager, true, b =>
            {
                if (Utf8Validation.CheckJsonText(b) is null)
                {
                    Expect(() =>
                    {
                        using var doc = JsonDocument.Parse(b);
                        foreach (var s in Quell.Server.AlertmanagerWebhook.Map(doc.RootElement, now).Signals)
                        {
                            _ = validator.Signal(s, now, "alert");
                        }
                    }, typeof(JsonException));
                }
            }),
            ("quell.yaml", Encoding.UTF8.GetBytes("detection:\n  evaluation_seconds: 10\nqueue:\n  capacity: 1000\nlimits:\n  max_body_bytes: 1048576\n"), false, b =>
                Expect(() => ConfigLoader.Parse(Encoding.UTF8.GetString(b)), typeof(ConfigException))),
        };
        long inputs = 0;
        Gen.Int[0, decoders.Length - 1].SelectMany(i => InputMutator.Of(decoders[i].Seed, decoders[i].Json).Select(b => (i, b)))
            .Sample((i, bytes) =>
            {
                Interlocked.Increment(ref inputs);
                decoders[i].Decode(bytes);
            }, seed: "0N0XIzNsQ0O2", iter: Cases * 10);
        output.WriteLine($"decoders: {inputs} inputs, no unexpected exception");
    }

    private static void Check(DecodedBatch<CallRecord> batch, Quell.Validation.InputValidator validator, DateTimeOffset now)
    {
        foreach (var c in batch.Records)
        {
            _ = validator.Call(c, now);
        }
    }

    private static void Expect(Action action, params Type[] expected)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (expected.Any(t => t.IsInstanceOfType(ex)))
        {
            // A reported decoding failure: the endpoint turns it into a 400.
        }
    }

    internal sealed record Target(string Name, byte[] Seed, bool Json, Func<byte[], HttpRequestMessage> Build);

    private sealed record SeedSet(byte[] Calls, byte[] CallsNdjson, byte[] Evals, byte[] Feedback, byte[] Changes, byte[] OtlpJson, byte[] OtlpProtobuf, byte[] Alertmanager);

    private static SeedSet Seeds(DateTimeOffset now)
    {
        var ts = now.ToString("O", CultureInfo.InvariantCulture);
        var call = $$$"""{"id":"fz-1","timestamp":"{{{ts}}}","tenant":"acme","user":"u1","feature":"support_chat","operation":"chat","provider":"openai","model":"gpt-4o","latency_ms":812.5,"ttft_ms":120,"input_tokens":900,"output_tokens":120,"cached_input_tokens":100,"cost_usd":0.01,"status":"ok","input":"hello","output":"hi there","retrieved":[{"id":"d1","tenant":"acme"}],"tool_calls":[{"name":"search","arguments_hash":"ab"}],"attributes":{"k":"v"}}""";
        var calls = new[] { new CallRecord { Id = "fz-otlp", TraceId = "0102030405060708090a0b0c0d0e0f10", Timestamp = now, Model = "gpt-4o", Provider = "openai", InputTokens = 10, OutputTokens = 5, LatencyMs = 100, Input = "q", Output = "a", Feature = "support_chat", Tenant = "acme" } };
        return new SeedSet(
            Encoding.UTF8.GetBytes($"[{call}]"),
            Encoding.UTF8.GetBytes(call),
            Encoding.UTF8.GetBytes($$"""[{"suite":"support","case":"c1","passed":true,"score":0.9,"model":"gpt-4o","feature":"support_chat","timestamp":"{{ts}}"}]"""),
            Encoding.UTF8.GetBytes($$"""[{"call_id":"fz-1","thumbs":"down","score":0.2,"comment":"wrong","timestamp":"{{ts}}"}]"""),
            Encoding.UTF8.GetBytes($$"""[{"kind":"prompt_version","timestamp":"{{ts}}","scope":{"feature":"support_chat"},"from":"v1","to":"v2","author":"ana","description":"shorter prompt"}]"""),
            OtlpTestPayloads.Json(calls),
            OtlpTestPayloads.Protobuf(calls),
            Encoding.UTF8.GetBytes($$"""{"version":"4","status":"firing","externalURL":"http://am","alerts":[{"status":"firing","labels":{"alertname":"HighLatency","feature":"support_chat","severity":"page"},"annotations":{"summary":"p95 up"},"startsAt":"{{ts}}","fingerprint":"fz1"}]}"""));
    }

    internal static List<Target> Targets(DateTimeOffset now, string incident)
    {
        var s = Seeds(now);
        static Func<byte[], HttpRequestMessage> Post(string path, string type, HttpMethod? method = null) => body =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue(type);
            return new HttpRequestMessage(method ?? HttpMethod.Post, path) { Content = content };
        };
        static Func<byte[], HttpRequestMessage> Get(string path) => query =>
            new HttpRequestMessage(HttpMethod.Get, path + "?" + Uri.EscapeDataString(Encoding.UTF8.GetString(query)).Replace("%3D", "=", StringComparison.Ordinal).Replace("%26", "&", StringComparison.Ordinal));
        static byte[] U(string text) => Encoding.UTF8.GetBytes(text);
        var ts = now.ToString("O", CultureInfo.InvariantCulture);
        return
        [
            new("calls", s.Calls, true, Post("/api/v1/calls", "application/json")),
            new("calls-ndjson", s.CallsNdjson, true, Post("/api/v1/calls", "application/x-ndjson")),
            new("traces-json", s.OtlpJson, true, Post("/v1/traces", "application/json")),
            new("traces-protobuf", s.OtlpProtobuf, false, Post("/v1/traces", "application/x-protobuf")),
            new("evals", s.Evals, true, Post("/api/v1/evals", "application/json")),
            new("feedback", s.Feedback, true, Post("/api/v1/feedback", "application/json")),
            new("changes", s.Changes, true, Post("/api/v1/changes", "application/json")),
            new("alertmanager", s.Alertmanager, true, Post("/api/v1/alertmanager", "application/json")),
            new("silences", U($$"""{"matchers":["feature=support_chat",{"name":"tenant","value":"a.*","is_regex":true}],"starts_at":"{{ts}}","duration":"2h","comment":"deploy","created_by":"ana"}"""), true, Post("/api/v1/silences", "application/json")),
            new("mitigations", U("""{"kind":"rate_limit","reason":"abuse","scope":{"feature":"support_chat","tenant":"acme"},"parameters":{"rate_per_second":5,"burst":10,"per":"user"},"expires_in":"30m","mode":"propose"}"""), true, Post("/api/v1/mitigations", "application/json")),
            new("replay", U("""{"call_ids":["fz-seed"],"target":"http://127.0.0.1:9/","target_kind":"openai","pin":{"model":"gpt-4o-mini"},"limit":3}"""), true, Post("/api/v1/replay", "application/json")),
            new("incident-note", U("""{"text":"looking","by":"ana"}"""), true, Post($"/api/v1/incidents/{incident}/note", "application/json")),
            new("incident-severity", U("""{"severity":"S2","reason":"wider","by":"ana"}"""), true, Post($"/api/v1/incidents/{incident}/severity", "application/json")),
            new("incident-assign", U("""{"commander":"ana","assignee":"bo","by":"ana"}"""), true, Post($"/api/v1/incidents/{incident}/assign", "application/json")),
            new("runbook-run", U($$"""{"category":"latency","signal":"p95_latency","feature":"support_chat","onset":"{{ts}}"}"""), true, Post("/api/v1/runbooks/run", "application/json")),
            new("eval-suite", U("""{"name":"fuzz","description":"d","feature":"support_chat","cases":[{"id":"c1","input":"hi","checks":[{"kind":"contains","value":"hello"}]}]}"""), true, Post("/api/v1/evals/suites", "application/json")),
            new("postmortem", U($$"""{"title":"t","status":"review","summary":"s","impact":{"scope":"feature=support_chat","calls":3,"users":1,"cost_usd":1.5,"p95_latency_ms":900,"from":"{{ts}}","to":"{{ts}}","leaked_from_tenants":["acme"],"entities":{"EMAIL_ADDRESS":2},"note":"n"},"detection":"d","mitigation":"m","root_cause":"r","facts":[{"name":"time_to_detect","seconds":5,"from":"{{ts}}","to":"{{ts}}","text":"t","source":"s"}],"timeline":[{"at":"{{ts}}","kind":"note","text":"x"}],"went_well":["a"],"went_badly":["b"],"action_items":[{"id":"a1","text":"fix","owner":"ana","due_at":"{{ts}}","status":"open"}],"structural_changes":["c"],"due_at":"{{ts}}","updated_by":"ana"}"""), true, Post($"/api/v1/postmortems/{incident}", "application/json", HttpMethod.Put)),
            new("canaries", U("""{"tenant":"acme","placement":"docs"}"""), true, Post("/api/v1/canaries", "application/json")),
            new("calls-query", U($"feature=support_chat&tenant=acme&from={ts}&limit=5"), false, Get("/api/v1/calls")),
            new("incidents-query", U("state=open&severity=S2&limit=5"), false, Get("/api/v1/incidents")),
            new("oncall-query", U($"at={ts}"), false, Get("/api/v1/oncall")),
            new("breakdown-query", U($"dimension=provider&feature=support_chat&from={ts}"), false, Get("/api/v1/investigations/breakdown")),
        ];
    }

    internal static async Task<string> SeedAsync(HttpClient http, DateTimeOffset now)
    {
        var ts = now.ToString("O", CultureInfo.InvariantCulture);
        async Task PostAsync(string path, string body)
        {
            using var r = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True(r.IsSuccessStatusCode, $"{path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }

        await PostAsync("/api/v1/calls", $$"""[{"id":"fz-seed","timestamp":"{{ts}}","tenant":"acme","feature":"support_chat","model":"gpt-4o","input_tokens":12,"output_tokens":3,"input":"hello","output":"hi"}]""");
        await PostAsync("/api/v1/changes", $$"""[{"id":"chg-seed","kind":"deploy","timestamp":"{{SeedChangeAt(now):O}}","description":"seed"}]""");
        await PostAsync("/api/v1/silences", """{"id":"sil-seed","matchers":["feature=seed"],"duration":"2h"}""");
        using var am = await http.PostAsync("/api/v1/alertmanager", new StringContent($$"""{"version":"4","alerts":[{"labels":{"alertname":"Seed","feature":"support_chat"},"startsAt":"{{ts}}","fingerprint":"seed"}]}""", Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await am.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("incidents")[0].GetString()!;
    }

    private static DateTimeOffset SeedChangeAt(DateTimeOffset now) => new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddHours(-7).AddMilliseconds(137);

    // What was accepted before the campaign, as the API returns it: must read the same afterwards.
    internal static async Task<string> SnapshotAsync(HttpClient http, DateTimeOffset now)
    {
        // The seed change sits alone at its own instant: a long campaign stores thousands of changes and the list
        // answers at most 500 rows, so a wide window would no longer show it.
        var at = SeedChangeAt(now);
        var window = $"from={Uri.EscapeDataString(at.AddMilliseconds(-1).ToString("O", CultureInfo.InvariantCulture))}&to={Uri.EscapeDataString(at.AddMilliseconds(1).ToString("O", CultureInfo.InvariantCulture))}";
        var call = await http.GetStringAsync("/api/v1/calls/fz-seed");
        var changes = JsonDocument.Parse(await http.GetStringAsync("/api/v1/changes?" + window)).RootElement.EnumerateArray().First(c => c.GetProperty("id").GetString() == "chg-seed").GetRawText();
        var silence = JsonDocument.Parse(await http.GetStringAsync("/api/v1/silences")).RootElement.EnumerateArray().First(c => c.GetProperty("id").GetString() == "sil-seed");
        return call + "\n" + changes + "\n" + silence.GetProperty("matchers").GetRawText() + silence.GetProperty("ends_at").GetRawText();
    }
}
