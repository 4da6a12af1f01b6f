using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Quell.Gateway;
using Quell.Server;

namespace Quell.Tests.Gateway;

/// <summary>
/// The gateway's cache of callers' keys against a real whoami endpoint on Kestrel: callers that miss together share
/// one lookup, an answer past half its lifetime is served while it refreshes, a revoked key stops within the
/// lifetime and an accepted key survives Quell being down.
/// </summary>
public sealed class ClientKeyVerifierTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private static readonly HttpClient Http = new();
    private WebApplication _quell = null!;
    private int _requests;
    private volatile int _status = 200;
    private volatile TaskCompletionSource _gate = Open();
    private TaskCompletionSource _asked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _quell = builder.Build();
        _quell.MapGet("/api/v1/auth/whoami", async (HttpContext http) =>
        {
            Interlocked.Increment(ref _requests);
            _asked.TrySetResult();
            await _gate.Task;
            http.Response.StatusCode = _status;
            if (_status == 200)
            {
                await http.Response.WriteAsJsonAsync(new { principal = "key:app", scopes = new[] { "ingest" }, tenant = "acme" });
            }
        });
        await _quell.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _gate.TrySetResult();
        await _quell.DisposeAsync();
    }

    private ClientKeyVerifier NewVerifier() => new(Http, _quell.BoundAddress(), Ttl, _time);

    private static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private void CloseGate()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [Fact]
    public async Task VerifyAsync_ManyCallersOnAColdCache_AskQuellOnce()
    {
        var verifier = NewVerifier();
        CloseGate();
        var calls = Enumerable.Range(0, 20).Select(_ => verifier.VerifyAsync("qk_one", CancellationToken.None).AsTask()).ToList();
        await _asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _gate.SetResult();
        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(KeyVerdict.Accepted, r.Verdict));
        Assert.All(results, r => Assert.Equal("acme", r.Caller!.Tenant));
        Assert.Equal(1, _requests);
    }

    [Fact]
    public async Task VerifyAsync_PastHalfTheLifetime_AnswersAtOnceAndRefreshesOnceInTheBackground()
    {
        var verifier = NewVerifier();
        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        _time.Advance(TimeSpan.FromSeconds(16));
        CloseGate();

        var answers = Enumerable.Range(0, 10).Select(_ => verifier.VerifyAsync("qk_one", CancellationToken.None)).ToList();

        Assert.All(answers, a => Assert.True(a.IsCompletedSuccessfully));
        Assert.All(answers, a => Assert.Equal(KeyVerdict.Accepted, a.Result.Verdict));
        await _asked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        _gate.SetResult();
        await verifier.LookupsInFlight().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task VerifyAsync_KeyRevokedAfterItWasCached_StopsWorkingWithinTheLifetime()
    {
        var verifier = NewVerifier();
        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        _status = 401;
        _time.Advance(TimeSpan.FromSeconds(16));

        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        await verifier.LookupsInFlight().WaitAsync(TimeSpan.FromSeconds(30));
        var (verdict, caller) = await verifier.VerifyAsync("qk_one", CancellationToken.None);

        Assert.Equal(KeyVerdict.Unknown, verdict);
        Assert.Null(caller);
    }

    [Fact]
    public async Task VerifyAsync_QuellFailsAfterTheAnswerExpired_AcceptedKeyKeepsWorkingWithoutAskingEachTime()
    {
        var verifier = NewVerifier();
        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        _status = 500;
        _time.Advance(Ttl + TimeSpan.FromSeconds(1));

        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        Assert.Equal(KeyVerdict.Accepted, (await verifier.VerifyAsync("qk_one", CancellationToken.None)).Verdict);
        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task VerifyAsync_UnknownKey_IsRememberedForAFewSecondsOnly()
    {
        _status = 401;
        var verifier = NewVerifier();

        Assert.Equal(KeyVerdict.Unknown, (await verifier.VerifyAsync("qk_bad", CancellationToken.None)).Verdict);
        Assert.Equal(KeyVerdict.Unknown, (await verifier.VerifyAsync("qk_bad", CancellationToken.None)).Verdict);
        Assert.Equal(1, _requests);
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(KeyVerdict.Unknown, (await verifier.VerifyAsync("qk_bad", CancellationToken.None)).Verdict);
        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task VerifyAsync_QuellUnreachableForANewKey_SaysUnavailable()
    {
        _status = 503;
        var verifier = NewVerifier();

        var (verdict, caller) = await verifier.VerifyAsync("qk_new", CancellationToken.None);

        Assert.Equal(KeyVerdict.Unavailable, verdict);
        Assert.Null(caller);
    }
}
