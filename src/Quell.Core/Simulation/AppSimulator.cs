using Quell.Calls;

namespace Quell.Simulation;

/// <summary>Settings of one simulated run.</summary>
public sealed record SimulationOptions
{
    public int Seed { get; init; } = 7;
    public DateTimeOffset Start { get; init; } = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    public TimeSpan Duration { get; init; } = TimeSpan.FromDays(2);

    /// <summary>Average user requests per second over a day (each may make several model calls).</summary>
    public double RequestsPerSecond { get; init; } = 1.0;
    public int Tenants { get; init; } = 24;

    /// <summary>Share of answers a user rates (thumbs up or down).</summary>
    public double FeedbackShare { get; init; } = 0.05;

    /// <summary>Ongoing eval runs: one run of this many cases per feature every <see cref="EvalInterval"/>.</summary>
    public int EvalCasesPerRun { get; init; } = 40;
    public TimeSpan EvalInterval { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>
/// A multi-tenant AI application in simulated time: a daily traffic cycle, four features, agents that loop
/// through tools, RAG over per-tenant documents, eval runs and user feedback. Deterministic for a seed.
/// </summary>
public sealed class AppSimulator
{
    private readonly SimulationOptions _options;
    private readonly IReadOnlyList<IScenario> _scenarios;
    private readonly Random _random;
    private readonly IReadOnlyList<SimulatedTenant> _tenants;
    private readonly IReadOnlyList<SimulatedFeature> _features;
    private readonly double _tenantWeightTotal;
    private readonly PriorityQueue<SimulatedEvent, long> _pending = new();
    private readonly PriorityQueue<RequestRun, (long Ticks, long Order)> _runs = new();
    private long _runOrder;
    private long _idCounter;

    public AppSimulator(SimulationOptions options, IReadOnlyList<IScenario>? scenarios = null, IReadOnlyList<SimulatedFeature>? features = null)
    {
        _options = options;
        _scenarios = scenarios ?? [];
        _random = new Random(options.Seed);
        _tenants = DefaultWorld.Tenants(_random, options.Tenants);
        _features = features ?? DefaultWorld.Features;
        _tenantWeightTotal = _tenants.Sum(t => t.Weight);
    }

    /// <summary>The user the ongoing eval runs call the application as.</summary>
    public const string EvalUser = "eval-runner";

    public IReadOnlyList<SimulatedTenant> Tenants => _tenants;

    /// <summary>
    /// The application's obedience to Quell's control plane: asked before every model call, it may refuse the call
    /// (kill switch, block, rate limit, budget or loop cap) or reroute it (pins, fallbacks). Null admits everything.
    /// </summary>
    public Func<CallDraft, bool>? Admit { get; set; }

    /// <summary>Calls the control plane refused.</summary>
    public long Refused { get; private set; }

    public IReadOnlyList<SimulatedFeature> Features => _features;

    /// <summary>Events in timestamp order, one simulated second at a time.</summary>
    public IEnumerable<SimulatedEvent> Run()
    {
        var end = _options.Start + _options.Duration;
        var nextEval = _options.Start + _options.EvalInterval;
        for (var now = _options.Start; now < end; now = now.AddSeconds(1))
        {
            var requests = Poisson(_options.RequestsPerSecond * DailyCycle(now));
            for (var i = 0; i < requests; i++)
            {
                StartRequest(now.AddMilliseconds(_random.NextDouble() * 1000));
            }

            foreach (var scenario in _scenarios)
            {
                foreach (var e in scenario.Tick(now, _random))
                {
                    if (e is SimulatedCall sc)
                    {
                        // Calls a scenario makes itself (an attacker's) meet the same control plane as everyone's.
                        if (Admitted(sc.Call) is not { } admitted)
                        {
                            continue;
                        }

                        (scenario as ScenarioBase)?.Emitted(admitted);
                        Enqueue(new SimulatedCall(admitted));
                        continue;
                    }

                    Enqueue(e);
                }
            }

            if (now >= nextEval)
            {
                EvalRun(now);
                nextEval += _options.EvalInterval;
            }

            var horizon = now.AddSeconds(1).UtcTicks;
            StepDue(horizon);
            while (_pending.TryPeek(out var next, out var at) && at < horizon)
            {
                _pending.Dequeue();
                yield return next;
            }
        }

        while (_pending.TryDequeue(out var rest, out var at) && at < end.UtcTicks)
        {
            yield return rest;
        }
    }

    /// <summary>Relative traffic at a time: a weekday afternoon peak, quiet nights, lighter weekends; mean about 1.</summary>
    public static double DailyCycle(DateTimeOffset t)
    {
        var hour = t.UtcDateTime.TimeOfDay.TotalHours;
        var diurnal = 1 + 0.75 * Math.Cos((hour - 14) / 24 * 2 * Math.PI);
        var weekend = t.UtcDateTime.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 0.6 : 1.12;
        return diurnal * weekend;
    }

    private void StartRequest(DateTimeOffset at)
    {
        var feature = PickFeature();
        var tenant = PickTenant();
        var user = tenant.Users[_random.Next(tenant.Users.Count)];
        var run = new RequestRun(feature, tenant, user, NextHex(32), $"{user}-s{_random.Next(1000):D3}", at);
        if (feature.EmbeddingEndpoint is { } embed)
        {
            var e = NewDraft(feature, tenant, user, embed, "embeddings", run.TraceId, run.SessionId, at, 0);
            e.InputTokens = Math.Max(4, (long)LogNormal(24, 0.5));
            e.OutputTokens = 0;
            e.LatencyMs = LogNormal(embed.MedianLatencyMs, embed.LatencySigma);
            if (!Finish(e))
            {
                return;
            }

            run.Next = at.AddMilliseconds(e.LatencyMs + 5);
        }

        run.Steps = feature.MeanCallsPerTrace <= 1 ? 1 : 1 + Geometric(1 / feature.MeanCallsPerTrace, 7);
        Step(run);
    }

    /// <summary>
    /// Makes the next model call of a request at its own time: like a real application, each call asks the control
    /// plane when it is made, so a mitigation applied while a trace runs stops or reroutes its remaining calls.
    /// </summary>
    private void Step(RequestRun run)
    {
        var (feature, tenant, step, t) = (run.Feature, run.Tenant, run.Step, run.Next);
        var endpoint = feature.Endpoints[_random.Next(feature.Endpoints.Count)];
        var d = NewDraft(feature, tenant, run.User, endpoint, feature.Operation, run.TraceId, run.SessionId, t, step);
        d.InputTokens = Math.Max(20, (long)LogNormal(feature.MedianInputTokens * (1 + 0.25 * step), 0.35));
        d.OutputTokens = Math.Max(1, (long)LogNormal(feature.MedianOutputTokens, 0.45));
        d.CachedInputTokens = (long)(d.InputTokens * feature.CachedShare * _random.NextDouble());
        d.TtftMs = LogNormal(endpoint.MedianLatencyMs * 0.35, endpoint.LatencySigma);
        d.LatencyMs = d.TtftMs + LogNormal(endpoint.MedianLatencyMs * 0.3, endpoint.LatencySigma) + d.OutputTokens * endpoint.MsPerOutputToken * 0.2;
        d.SystemPrompt = feature.SystemPrompt;
        d.Input = SimulatedText.Question(feature.Name, _random);
        d.Output = SimulatedText.Answer(feature.Name, _random);
        for (var r = 0; r < feature.RetrievedDocuments; r++)
        {
            d.Retrieved.Add(new RetrievedDocument($"{tenant.Name}-doc-{_random.Next(500):D4}", tenant.Name));
        }

        if (feature.MeanCallsPerTrace > 1 && step < run.Steps - 1)
        {
            var tool = _random.NextDouble() < 0.6 ? "search_web" : "read_page";
            d.ToolCalls.Add(new ToolCallRecord(tool, NextHex(16)));
        }

        if (_random.NextDouble() < endpoint.ErrorRate)
        {
            d.Failed = true;
            d.ErrorType = _random.NextDouble() < 0.5 ? ErrorTypes.RateLimited : ErrorTypes.ServerError;
            d.LatencyMs = Math.Min(d.LatencyMs, LogNormal(300, 0.5));
        }

        if (!Finish(d))
        {
            // A refused call ends the request: the app shows the user an error or a canned answer.
            return;
        }

        if (d.LoopRepeat > run.Steps)
        {
            run.Steps = d.LoopRepeat;
        }

        if (!d.Failed && step == run.Steps - 1 && _random.NextDouble() < _options.FeedbackShare)
        {
            var positive = _random.NextDouble() < d.Quality;
            Enqueue(new SimulatedFeedback(d.Timestamp.AddSeconds(5 + _random.Next(60)), d.Id, feature.Name, positive, positive ? null : "not helpful", tenant.Name, d.Endpoint.Model, d.Endpoint.ModelVersion, d.PromptVersion));
        }

        if (step + 1 < run.Steps)
        {
            run.Step = step + 1;
            run.Next = t.AddMilliseconds(d.LatencyMs + 50 + _random.Next(400));
            _runs.Enqueue(run, (run.Next.UtcTicks, ++_runOrder));
        }
    }

    /// <summary>Runs every request step due before <paramref name="horizon"/>, in time order.</summary>
    private void StepDue(long horizon)
    {
        while (_runs.TryPeek(out var run, out var due) && due.Ticks < horizon)
        {
            _runs.Dequeue();
            Step(run);
        }
    }

    /// <summary>One user request in progress: whose it is, which step comes next and when.</summary>
    private sealed class RequestRun(SimulatedFeature feature, SimulatedTenant tenant, string user, string traceId, string sessionId, DateTimeOffset start)
    {
        public SimulatedFeature Feature { get; } = feature;
        public SimulatedTenant Tenant { get; } = tenant;
        public string User { get; } = user;
        public string TraceId { get; } = traceId;
        public string SessionId { get; } = sessionId;
        public int Steps { get; set; } = 1;
        public int Step { get; set; }
        public DateTimeOffset Next { get; set; } = start;
    }

    private void EvalRun(DateTimeOffset now)
    {
        foreach (var feature in _features)
        {
            for (var i = 0; i < _options.EvalCasesPerRun; i++)
            {
                var at = now.AddSeconds(i * 2);
                var d = NewDraft(feature, _tenants[0], EvalUser, feature.Endpoints[0], feature.Operation, NextHex(32), "eval", at, 0);
                d.Input = SimulatedText.Question(feature.Name, _random);

                // Eval runs go through the live application, mitigations included.
                if (Admit is { } admit && !admit(d))
                {
                    continue;
                }

                foreach (var scenario in _scenarios)
                {
                    scenario.Shape(d, _random);
                }

                var passed = _random.NextDouble() < d.Quality;
                _pending.Enqueue(
                    new SimulatedEvalResult(at, $"{feature.Name}-golden", $"{feature.Name}-case-{i:D3}", feature.Name, passed, passed ? 1 : 0, d.Endpoint.Model, d.Endpoint.ModelVersion, d.PromptVersion),
                    at.UtcTicks);
            }
        }
    }

    private CallDraft NewDraft(SimulatedFeature feature, SimulatedTenant tenant, string user, ModelEndpoint endpoint, string operation, string traceId, string sessionId, DateTimeOffset at, int step) => new()
    {
        Id = $"call-{_options.Seed}-{++_idCounter:D9}",
        Timestamp = at,
        Feature = feature,
        Tenant = tenant,
        User = user,
        Endpoint = endpoint,
        Operation = operation,
        PromptVersion = feature.PromptVersion,
        TraceId = traceId,
        SessionId = sessionId,
        StepInTrace = step,
    };

    private CallRecord? Admitted(CallRecord call)
    {
        if (Admit is not { } admit)
        {
            return call;
        }

        var feature = _features.FirstOrDefault(f => f.Name == call.Feature) ?? _features[0];
        var tenant = _tenants.FirstOrDefault(t => t.Name == call.Tenant) ?? new SimulatedTenant(call.Tenant ?? "unknown", [call.User ?? "unknown"], 1);
        var draft = new CallDraft
        {
            Id = call.Id,
            Timestamp = call.Timestamp,
            Feature = feature,
            Tenant = tenant,
            User = call.User ?? "unknown",
            Endpoint = feature.Endpoints[0],
            Operation = call.Operation,
            PromptVersion = call.PromptVersion ?? feature.PromptVersion,
            TraceId = call.TraceId ?? call.Id,
            SessionId = call.SessionId ?? call.Id,
            Input = call.Input,
        };
        if (!admit(draft))
        {
            Refused++;
            return null;
        }

        return draft.CannedAnswer is { } canned ? call with { Output = canned } : call;
    }

    private bool Finish(CallDraft draft)
    {
        if (Admit is { } admit && !admit(draft))
        {
            Refused++;
            return false;
        }

        foreach (var scenario in _scenarios)
        {
            scenario.Shape(draft, _random);
        }

        if (draft.CannedAnswer is { } canned)
        {
            draft.Output = canned;
        }

        Enqueue(new SimulatedCall(draft.ToRecord()));
        return true;
    }

    private void Enqueue(SimulatedEvent e) => _pending.Enqueue(e, e.Timestamp.UtcTicks);

    private SimulatedFeature PickFeature()
    {
        var x = _random.NextDouble() * _features.Sum(f => f.Weight);
        foreach (var f in _features)
        {
            x -= f.Weight;
            if (x <= 0)
            {
                return f;
            }
        }

        return _features[^1];
    }

    private SimulatedTenant PickTenant()
    {
        var x = _random.NextDouble() * _tenantWeightTotal;
        foreach (var t in _tenants)
        {
            x -= t.Weight;
            if (x <= 0)
            {
                return t;
            }
        }

        return _tenants[^1];
    }

    private double LogNormal(double median, double sigma) => median * Math.Exp(sigma * Gaussian());

    private double Gaussian()
    {
        var u1 = 1.0 - _random.NextDouble();
        var u2 = _random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private int Poisson(double lambda)
    {
        if (lambda > 30)
        {
            return Math.Max(0, (int)Math.Round(lambda + Math.Sqrt(lambda) * Gaussian()));
        }

        var l = Math.Exp(-lambda);
        var k = 0;
        var p = 1.0;
        do
        {
            k++;
            p *= _random.NextDouble();
        }
        while (p > l);
        return k - 1;
    }

    private int Geometric(double p, int max)
    {
        var k = 0;
        while (k < max && _random.NextDouble() > p)
        {
            k++;
        }

        return k;
    }

    private string NextHex(int length)
    {
        Span<byte> bytes = stackalloc byte[length / 2];
        _random.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
