using BenchmarkDotNet.Attributes;
using Quell.Calls;
using Quell.Ingest;
using Quell.Pricing;
using Quell.Simulation;
using Quell.Telemetry;

namespace Quell.Benchmarks;

/// <summary>Decode cost per batch of 1,000 realistic calls: native NDJSON, OTLP protobuf and OTLP JSON, each mapped to call records.</summary>
[MemoryDiagnoser]
public class IngestDecodeBenchmarks
{
    private const int BatchSize = 1000;
    private byte[] _ndjson = [];
    private byte[] _otlpProtobuf = [];
    private byte[] _otlpJson = [];
    private NativeCallDecoder _native = null!;
    private GenAiSpanMapper _mapper = null!;
    private CallPreparer _preparer = null!;
    private Scanning.CallScanner _scanner = null!;
    private List<CallRecord> _calls = [];

    [GlobalSetup]
    public void Setup()
    {
        var calls = new AppSimulator(new SimulationOptions { Seed = 5, Duration = TimeSpan.FromDays(1) })
            .Run().OfType<SimulatedCall>().Take(BatchSize).Select(c => c.Call).ToList();
        _calls = calls;
        _scanner = new Scanning.CallScanner(new Scanning.ContentScanner());
        _scanner.Scan(calls[0]);
        _ndjson = CallRecordJsonWriter.ToNdjson(calls);
        _otlpProtobuf = OtlpTestPayloads.Protobuf(calls);
        _otlpJson = OtlpTestPayloads.Json(calls);
        var time = new SimulationClock(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        _native = new NativeCallDecoder(new IngestLimits(), time);
        _mapper = new GenAiSpanMapper(new GenAiAttributeNames(), new IngestLimits(), time);
        _preparer = new CallPreparer(new Configuration.QuellConfig().ContentPolicyOf, PriceTable.Create());
    }

    [Benchmark(Description = "native NDJSON → 1000 priced calls")]
    public int NativeNdjson()
    {
        var batch = _native.Decode(_ndjson, out _)!;
        var n = 0;
        foreach (var c in batch.Records)
        {
            n += _preparer.Prepare(c).CostSource == CostSource.PriceTable ? 1 : 0;
        }

        return n;
    }

    [Benchmark(Description = "scan 1000 calls (input injection + output leaks)")]
    public int ScanCalls()
    {
        var n = 0;
        foreach (var c in _calls)
        {
            n += _scanner.Scan(c).Findings.Count;
        }

        return n;
    }

    [Benchmark(Description = "OTLP protobuf → 1000 priced calls")]
    public int OtlpProtobuf()
    {
        var batch = _mapper.Map(OtlpProtobufDecoder.Decode(_otlpProtobuf));
        return batch.Records.Count(c => _preparer.Prepare(c).CostSource == CostSource.PriceTable);
    }

    [Benchmark(Description = "OTLP JSON → 1000 priced calls")]
    public int OtlpJson()
    {
        var batch = _mapper.Map(OtlpJsonDecoder.Decode(_otlpJson));
        return batch.Records.Count(c => _preparer.Prepare(c).CostSource == CostSource.PriceTable);
    }
}
