using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Quell.Client;

/// <summary>
/// Follows the control plane with long-polls (ETag + <c>?wait=</c>): one request waits on the server until the
/// mitigations change. When Quell is unreachable it keeps the last known set and retries with backoff.
/// </summary>
internal sealed class ControlPlaneFollower : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly QuellClientOptions _options;
    private readonly MitigationEnforcer _enforcer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Task _loop;
    private TaskCompletionSource _updated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _failures;
    private long _consecutiveFailures;
    private bool _synchronized;

    public ControlPlaneFollower(HttpClient http, QuellClientOptions options, MitigationEnforcer enforcer)
    {
        _http = http;
        _options = options;
        _enforcer = enforcer;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public long Failures => Interlocked.Read(ref _failures);

    public bool Synchronized
    {
        get
        {
            lock (_lock)
            {
                return _synchronized;
            }
        }
    }

    /// <summary>Completes when the applied version reaches <paramref name="version"/>.</summary>
    public Task WaitForVersionAsync(long version, CancellationToken cancellationToken) =>
        WaitAsync(() => Synchronized && _enforcer.Snapshot.Version >= version, cancellationToken);

    /// <summary>Completes after the failure count passes <paramref name="failures"/>.</summary>
    public Task WaitForFailuresAsync(long failures, CancellationToken cancellationToken) =>
        WaitAsync(() => Failures >= failures, cancellationToken);

    private async Task WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_lock)
            {
                next = _updated.Task;
            }

            if (condition())
            {
                return;
            }

            await next.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Signal()
    {
        lock (_lock)
        {
            _updated.TrySetResult();
            _updated = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var wait = (long)_options.LongPollWait.TotalSeconds;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var current = _enforcer.Snapshot;
                var synced = Synchronized;
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_options.Endpoint!, synced ? $"/api/v1/mitigations?wait={Math.Max(1, wait)}s" : "/api/v1/mitigations"));
                if (synced)
                {
                    request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{current.Version}\""));
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_options.LongPollWait + TimeSpan.FromSeconds(15));
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NotModified)
                {
                    Interlocked.Exchange(ref _consecutiveFailures, 0);
                    continue;
                }

                response.EnsureSuccessStatusCode();
                var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var snapshot = await JsonSerializer.DeserializeAsync(stream, ClientJsonContext.Default.MitigationSnapshot, ct).ConfigureAwait(false)
                    ?? throw new JsonException("empty mitigation set");
                _enforcer.Apply(snapshot);
                Interlocked.Exchange(ref _consecutiveFailures, 0);
                lock (_lock)
                {
                    _synchronized = true;
                }

                Signal();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or OperationCanceledException or IOException)
            {
                // Keep enforcing the last known set; back off so a down server is not hammered by every instance.
                Interlocked.Increment(ref _failures);
                var n = Interlocked.Increment(ref _consecutiveFailures);
                Signal();
                var delay = TimeSpan.FromMilliseconds(Math.Min(_options.MaxRetryDelay.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(n, 10))));
                try
                {
                    await Task.Delay(delay, _options.Time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
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
