using Quell.Calls;

namespace Quell.Scanning;

/// <summary>Scans a call's input and output on ingest, before any content policy hashes or drops the text.</summary>
public sealed class CallScanner(ContentScanner scanner, Func<string?, bool>? scanFeature = null, Func<string?, IReadOnlyList<string>?>? entitiesFor = null)
{
    public ContentScanner Scanner { get; } = scanner;

    public CallRecord Scan(CallRecord call)
    {
        if (scanFeature is not null && !scanFeature(call.Feature))
        {
            return call;
        }

        List<CallFinding>? findings = null;
        double? injection = null;
        if (call.Input is { Length: > 0 } input)
        {
            var result = Scanner.ScanInput(input, call.Tenant);
            injection = result.InjectionScore;
            foreach (var f in result.Findings)
            {
                // PII a user typed into their own prompt is theirs; only injection on inputs is an incident signal.
                if (f.Kind == FindingKinds.Injection)
                {
                    (findings ??= []).Add(new CallFinding("input", f.Kind, f.Entity, f.Start, f.End, f.Score, f.Evidence, f.Owner));
                }
            }
        }

        if (call.Output is { Length: > 0 } || call.Retrieved.Count > 0)
        {
            var result = Scanner.ScanOutput(call.Output ?? string.Empty, call.Tenant, call.Input, call.SystemPrompt, call.Retrieved, feature: call.Feature);
            foreach (var f in result.Findings)
            {
                (findings ??= []).Add(new CallFinding(f.Kind == FindingKinds.CrossTenant ? "retrieved" : "output", f.Kind, f.Entity, f.Start, f.End, f.Score, f.Evidence, f.Owner));
            }
        }

        if (findings is not null && entitiesFor?.Invoke(call.Feature) is { } wanted)
        {
            // A feature that expects, say, phone numbers in its answers turns that entity off for itself only.
            findings.RemoveAll(f => !wanted.Contains(f.Entity, StringComparer.OrdinalIgnoreCase));
        }

        return findings is null && injection is null ? call : call with { Findings = findings ?? [], InjectionScore = injection };
    }
}
