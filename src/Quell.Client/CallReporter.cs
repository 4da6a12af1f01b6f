using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Threading.Channels;

namespace Quell.Client;

/// <summary>
/// Sends call records to Quell in NDJSON batches from a bounded buffer: reporting never blocks a model call; when
/// the buffer is full new records are dropped and counted, as OpenTelemetry's batch exporter does.
/// </summary>
internal sealed class CallReporter : IAsyncDisposable
{
    private readonly Channel<CallReport> _buffer;
    private readonly HttpClient _http;
    private readonly QuellClientOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _progressLock = new();
    private long _enqueued;
    private long _done;
    private long _dropped;
    private long _sent;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CallReporter(HttpClient http, QuellClientOptions options)
    {
        _http = http;
        _options = options;
        _buffer = Channel.CreateBounded<CallReport>(new BoundedChannelOptions(options.BufferCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Records dropped because the buffer was full or Quell stayed unreachable.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Records Quell acknowledged.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    public void Report(CallReport call)
    {
        if (_buffer.Writer.TryWrite(call))
        {
            Interlocked.Increment(ref _enqueued);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Completes when every record reported before the call was sent or dropped.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        while (Interlocked.Read(ref _done) < target)
        {
            Task wait;
            lock (_progressLock)
            {
                wait = _progress.Task;
            }

            if (Interlocked.Read(ref _done) >= target)
            {
                break;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var batch = new List<CallReport>(_options.MaxBatch);
        try
        {
            while (await _buffer.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (batch.Count < _options.MaxBatch && _buffer.Reader.TryRead(out var call))
                {
                    batch.Add(call);
                }

                if (batch.Count < _options.MaxBatch && _options.BatchLinger > TimeSpan.Zero)
                {
                    // Let the batch fill for a moment; a completed buffer (disposal) ends the wait at once.
                    await Task.WhenAny(Task.Delay(_options.BatchLinger, ct), _buffer.Reader.Completion).ConfigureAwait(false);
                    while (batch.Count < _options.MaxBatch && _buffer.Reader.TryRead(out var call))
                    {
                        batch.Add(call);
                    }
                }

                var ok = await SendAsync(batch, ct).ConfigureAwait(false);
                if (ok)
                {
                    Interlocked.Add(ref _sent, batch.Count);
                }
                else
                {
                    Interlocked.Add(ref _dropped, batch.Count);
                }

                Interlocked.Add(ref _done, batch.Count);
                batch.Clear();
                lock (_progressLock)
                {
                    _progress.TrySetResult();
                    _progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // Three tries with a growing pause; a batch Quell cannot take is dropped rather than blocking newer calls.
    private async Task<bool> SendAsync(List<CallReport> batch, CancellationToken ct)
    {
        // One UTF-8 buffer for the whole batch, written record by record: no string per record and no second encoding.
        var body = new ArrayBufferWriter<byte>(batch.Count * 512);
        using (var writer = new Utf8JsonWriter(body))
        {
            foreach (var c in batch)
            {
                JsonSerializer.Serialize(writer, c, ClientJsonContext.Default.CallReport);
                writer.Flush();
                writer.Reset();
                body.Write("\n"u8);
            }
        }

        var bytes = body.WrittenMemory;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                using var content = new ReadOnlyMemoryContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                using var response = await _http.PostAsync(new Uri(_options.Endpoint!, "/api/v1/calls"), content, ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }

                if ((int)response.StatusCode is >= 400 and < 500 and not 408 and not 429)
                {
                    return false;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
            }

            if (attempt < 2)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * (1 << attempt)), _options.Time, ct).ConfigureAwait(false);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        _buffer.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
