using System.Reflection;
using System.Text.Json;
using Quell.Calls;
using Quell.Client;
using Quell.Contracts;
using Quell.Ingest;

namespace Quell.Tests.Schema;

/// <summary>The client's wire type of a call is a view of the server's call schema: every property is a native field the server reads.</summary>
public sealed class ContractsTests
{
    [Fact]
    public void CallReport_EveryProperty_IsANativeFieldOfTheCallSchema()
    {
        var names = typeof(CallReport).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.True(CallSchema.IsNativeField(n), $"CallReport.{n} is not a native field of CallSchema"));
    }

    [Fact]
    public void CallReport_AsTheClientWritesIt_ServerReadsEveryProperty()
    {
        var report = new CallReport
        {
            Id = "r-1", Timestamp = new DateTimeOffset(2026, 11, 20, 10, 0, 0, 250, TimeSpan.Zero), Tenant = "acme", User = "u-1", Feature = "support_chat",
            Operation = "chat", Provider = "openai", Model = "gpt-4o", ModelVersion = "gpt-4o-2024-08-06", PromptVersion = "v3", TraceId = "t-1",
            LatencyMs = 420.5, TtftMs = 80, SessionId = "s-1", InputTokens = 1000, CachedInputTokens = 400, OutputTokens = 50, CostUsd = 0.004,
            Status = "error", ErrorType = "rate_limited", Input = "Where is my order?", Output = "On its way.", SystemPrompt = "You are the Acme bot.",
            Attributes = new Dictionary<string, string> { ["app"] = "web" },
        };
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(report, ClientJsonContext.Default.CallReport));

        var read = CallRecordJson.Read(doc.RootElement, new IngestLimits(), report.Timestamp);

        Assert.Null(read.Error);
        var record = read.Record!;
        foreach (var p in typeof(CallReport).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var field = CallSchema.Fields.Single(f => f.Name == JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name));
            var expected = p.GetValue(report) switch
            {
                IReadOnlyDictionary<string, string> d => JsonSerializer.Serialize(d),
                string s when field.Name == "status" => s == "error" ? CallStatus.Error : CallStatus.Ok,
                var v => v,
            };
            Assert.Equal(Convert.ToString(expected, System.Globalization.CultureInfo.InvariantCulture), Convert.ToString(field.ValueOf(record), System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
