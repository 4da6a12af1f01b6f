using System.Text.RegularExpressions;
using Quell.Alerts;
using Quell.Calls;
using Quell.Incidents;
using Kinds = Quell.Scanning.FindingKinds;
using Quell.Storage;

namespace Quell.Postmortems;

/// <summary>
/// Which calls an incident is about: its labels (feature, provider, model, tenant, trace, users) narrowed by what
/// its attribution names ("only on region eu-west"), and for data and abuse incidents the scanner findings that make
/// a call affected. Impact figures are counted over exactly these calls.
/// </summary>
public sealed partial record IncidentScope
{
    public string? Feature { get; init; }
    public string? Provider { get; init; }
    public string? Model { get; init; }
    public string? ModelVersion { get; init; }
    public string? PromptVersion { get; init; }
    public string? Region { get; init; }
    public string? Tenant { get; init; }
    public string? Operation { get; init; }
    public string? TraceId { get; init; }

    /// <summary>Only these users' calls (an abuse campaign's attackers); empty for everyone.</summary>
    public IReadOnlyList<string> Users { get; init; } = [];

    /// <summary>Only calls carrying a finding of one of these kinds (data and abuse incidents); empty for any call.</summary>
    public IReadOnlyList<string> FindingKinds { get; init; } = [];

    /// <summary>
    /// An agent-loop incident: its alerts name one trace each, but the incident is every trace of the feature that
    /// looped in its window, so impact is counted over all of them (<see cref="WithoutTrace"/>).
    /// </summary>
    public bool Loop { get; init; }

    /// <summary>The scope with the trace filter dropped: the whole feature flow the loops ran in.</summary>
    public IncidentScope WithoutTrace => this with { TraceId = null, Loop = false };

    /// <summary>Only failed calls (error-rate incidents), optionally of one error type.</summary>
    public bool ErrorsOnly { get; init; }
    public string? ErrorType { get; init; }

    public static IncidentScope From(Incident incident)
    {
        var l = incident.Labels;
        string? L(string k) => l.TryGetValue(k, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        var signal = L("signal") ?? incident.Alerts.OrderBy(a => a.FirstAt).FirstOrDefault()?.Signal ?? string.Empty;
        var scope = new IncidentScope
        {
            Feature = incident.Feature ?? L("feature"),
            Provider = L("provider") ?? incident.Provider,
            Model = L("model"),
            ModelVersion = L("model_version"),
            PromptVersion = L("prompt_version"),
            Region = L("region"),
            Operation = L("operation"),
            TraceId = L("trace_id"),
        };

        switch (incident.Category)
        {
            case SignalCategories.Data:
                // The tenant label of a data incident names a recipient or a probe, not a filter on whose calls count.
                scope = scope with { Provider = null, Model = null, FindingKinds = DataKinds(signal, L("kind")) };
                break;
            case SignalCategories.Abuse:
                scope = scope with
                {
                    Tenant = L("tenant"),
                    Users = (L("users") ?? L("user") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    FindingKinds = [Kinds.Injection],
                    Provider = null,
                    Model = null,
                };
                break;
            default:
                if (signal is AlertSignals.ErrorRate or AlertSignals.ErrorBudgetBurn or AlertSignals.TimeoutRate)
                {
                    scope = scope with { ErrorsOnly = true, ErrorType = signal == AlertSignals.TimeoutRate ? ErrorTypes.Timeout : L("error_type") };
                }

                if (scope.TraceId is null && L("tenant") is { } tenant)
                {
                    scope = scope with { Tenant = tenant };
                }

                if (signal is AlertSignals.CallsPerTrace or AlertSignals.RepeatedToolCalls && scope.Feature is not null)
                {
                    scope = scope with { Loop = true };
                }

                break;
        }

        // A vendor outage spans features: its scope is the provider.
        if (incident.VendorOutage)
        {
            scope = scope with { Feature = null, Model = null, Operation = null };
        }

        return Narrow(scope, incident.Attribution);
    }

    /// <summary>The whole filter over [from, to), as the calls log evaluates it in the database.</summary>
    public CallQuery ToQuery(DateTimeOffset from, DateTimeOffset to) => new()
    {
        Feature = Feature,
        Provider = Provider,
        Model = Model,
        ModelVersion = ModelVersion,
        PromptVersion = PromptVersion,
        Region = Region,
        Tenant = Tenant,
        TraceId = TraceId,
        Operation = Operation,
        Users = Users.Count > 0 ? Users : null,
        Status = ErrorsOnly ? "error" : null,
        ErrorType = ErrorType,
        FindingKinds = FindingKinds.Count > 0 ? FindingKinds : null,
        From = from,
        To = to,
    };

    /// <summary>Whether a call of the window is one this incident affected.</summary>
    public bool Affects(CallRecord c)
    {
        if ((Operation is not null && c.Operation != Operation) || (ErrorsOnly && !c.IsError) || (ErrorType is not null && c.ErrorType != ErrorType))
        {
            return false;
        }

        if (Users.Count > 0 && (c.User is null || !Users.Contains(c.User, StringComparer.Ordinal)))
        {
            return false;
        }

        return FindingKinds.Count == 0 || c.Findings.Any(f => FindingKinds.Contains(f.Kind, StringComparer.Ordinal));
    }

    /// <summary>"feature=support_chat, region=eu-west, errors only".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        void Add(string name, string? v)
        {
            if (v is not null)
            {
                parts.Add($"{name}={v}");
            }
        }

        Add("feature", Feature);
        Add("provider", Provider);
        Add("model", Model);
        Add("model_version", ModelVersion);
        Add("prompt_version", PromptVersion);
        Add("region", Region);
        Add("tenant", Tenant);
        Add("operation", Operation);
        Add("trace_id", TraceId);
        if (Users.Count > 0)
        {
            parts.Add("users=" + string.Join(",", Users));
        }

        if (FindingKinds.Count > 0)
        {
            parts.Add("findings=" + string.Join(",", FindingKinds));
        }

        if (ErrorsOnly)
        {
            parts.Add(ErrorType is null ? "errors" : $"errors={ErrorType}");
        }

        return parts.Count == 0 ? "all calls" : string.Join(", ", parts);
    }

    /// <summary>The finding kinds that make a call part of a data incident of this signal.</summary>
    public static IReadOnlyList<string> DataKinds(string signal, string? kind = null) => (kind, signal) switch
    {
        (Kinds.CrossTenant or Kinds.Canary, _) or (_, "cross_tenant_leak" or "canary_leak" or "tenant_isolation_probe") => [Kinds.CrossTenant, Kinds.Canary],
        (Kinds.Secret, _) or (_, "secret_leak") => [Kinds.Secret],
        (Kinds.SystemPromptLeak, _) or (_, "system_prompt_leak") => [Kinds.SystemPromptLeak],
        (Kinds.Pii, _) or (_, "pii_leak") => [Kinds.Pii],
        _ => [Kinds.Pii, Kinds.Secret, Kinds.CrossTenant, Kinds.Canary, Kinds.SystemPromptLeak],
    };

    private static IncidentScope Narrow(IncidentScope scope, string? attribution)
    {
        if (attribution is null || OnlyOn().Match(attribution) is not { Success: true } m)
        {
            return scope;
        }

        var value = m.Groups["value"].Value.TrimEnd('.');
        return m.Groups["dim"].Value switch
        {
            "prompt_version" => scope with { PromptVersion = value },
            "model_version" => scope with { ModelVersion = value },
            "model" => scope with { Model = value },
            "provider" => scope with { Provider = value },
            "region" => scope with { Region = value },
            "tenant" => scope with { Tenant = value },
            _ => scope,
        };
    }

    [GeneratedRegex(@"\bonly on (?<dim>prompt_version|model_version|model|provider|region|tenant) (?<value>[^\s,;()]+)", RegexOptions.CultureInvariant)]
    private static partial Regex OnlyOn();
}
