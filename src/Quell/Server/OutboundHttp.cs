using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Timeout;
using Quell.Configuration;

namespace Quell.Server;

/// <summary>
/// HttpClients for calls Quell makes on an API caller's behalf (replay, status pages, eval targets, the judge):
/// from IHttpClientFactory, each attempt under a short timeout, one retry of a transient failure (never of a
/// timeout, which may have reached the model and cost money), and an overall timeout around both.
/// Network timeouts run on the wall clock whatever clock the host's logic reads: a silent peer is silent in real time.
/// </summary>
public static class OutboundHttp
{
    public const string Playbook = "quell-playbook";
    public const string Evals = "quell-evals";

    public static IServiceCollection AddOutboundHttp(this IServiceCollection services, QuellConfig config)
    {
        Add(services, Playbook, config.Playbook.OutboundAttemptTimeout);
        Add(services, Evals, config.Evals.CaseTimeout);
        return services;
    }

    private static void Add(IServiceCollection services, string name, TimeSpan attempt)
    {
        var retryDelay = TimeSpan.FromMilliseconds(200);
        services.AddHttpClient(name, c => c.Timeout = Timeout.InfiniteTimeSpan)
            // The security policy's handler: no redirects, private and link-local addresses refused at connect time.
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var handler = sp.GetRequiredService<Security.OutboundPolicy>().CreateHandler();
                handler.ConnectTimeout = attempt < TimeSpan.FromSeconds(5) ? attempt : TimeSpan.FromSeconds(5);
                return handler;
            })
            .AddResilienceHandler(name, builder =>
            {
                builder.TimeProvider = TimeProvider.System;
                builder.AddTimeout(attempt * 2 + retryDelay);
                builder.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 1,
                    Delay = retryDelay,
                    BackoffType = DelayBackoffType.Constant,
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not TimeoutRejectedException && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
                builder.AddTimeout(attempt);
            });
    }
}
