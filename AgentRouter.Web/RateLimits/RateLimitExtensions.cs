using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRouter.Web.RateLimits;

public static class RateLimitExtensions
{
    /// <summary>Rate limits on the gateway's hot path. The counters are in-process unless a shared implementation of
    /// <see cref="IRateLimitCounters"/> was registered before this call.</summary>
    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IRateLimitCounters, InProcessRateLimitCounters>();
        builder.Services.AddSingleton<RateLimiter>();
        return builder;
    }
}
