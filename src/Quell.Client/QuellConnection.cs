namespace Quell.Client;

/// <summary>
/// One application's link to Quell: the call reporter and the control-plane follower, shared by every chat client
/// built with it. Dispose it on shutdown to flush the last call records.
/// </summary>
public sealed class QuellConnection : IAsyncDisposable, IDisposable
{
    private readonly HttpClient _http;
    private readonly CallReporter? _reporter;
    private readonly ControlPlaneFollower? _follower;
    private int _disposed;

    public QuellConnection(QuellClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _http = options.Handler is null ? new HttpClient() : new HttpClient(options.Handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
        if (!string.IsNullOrEmpty(options.ApiKey))
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.ApiKey);
        }
        Enforcer = new MitigationEnforcer(options.Time);
        _reporter = options.ReportCalls ? new CallReporter(_http, options) : null;
        _follower = options.FollowMitigations ? new ControlPlaneFollower(_http, options, Enforcer) : null;
    }

    public QuellClientOptions Options { get; }

    internal MitigationEnforcer Enforcer { get; }

    /// <summary>The active mitigations as last received (kept when Quell is unreachable).</summary>
    public MitigationSnapshot Mitigations => Enforcer.Snapshot;

    /// <summary>Call records dropped because the buffer was full or Quell stayed unreachable.</summary>
    public long DroppedCalls => _reporter?.Dropped ?? 0;

    /// <summary>Call records Quell acknowledged.</summary>
    public long SentCalls => _reporter?.Sent ?? 0;

    /// <summary>Failed polls of the control plane since start.</summary>
    public long PollFailures => _follower?.Failures ?? 0;

    /// <summary>The prompt version a rollback pins for a feature, if any.</summary>
    public string? PinnedPromptVersion(string feature) => Enforcer.PinnedPromptVersion(feature);

    /// <summary>Completes once the mitigation set of at least this version is applied (0: the first download).</summary>
    public Task WaitForVersionAsync(long version, CancellationToken cancellationToken = default) =>
        _follower?.WaitForVersionAsync(version, cancellationToken) ?? Task.CompletedTask;

    /// <summary>Completes once the control plane has failed to answer at least this many times in total.</summary>
    public Task WaitForPollFailuresAsync(long failures, CancellationToken cancellationToken = default) =>
        _follower?.WaitForFailuresAsync(failures, cancellationToken) ?? Task.CompletedTask;

    /// <summary>Completes when every call reported so far was sent or dropped.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _reporter?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

    internal void Report(CallReport call) => _reporter?.Report(call);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_follower is not null)
        {
            await _follower.DisposeAsync().ConfigureAwait(false);
        }

        if (_reporter is not null)
        {
            await _reporter.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
