using AgentRouter.Web.Gateway;
using AgentRouter.Web.Pricing;

namespace AgentRouter.Web.Routing;

/// <summary>One account and pinned model that can serve a public name, with its place in the failover order.</summary>
public sealed record RouteTarget(UpstreamAccount Account, string UpstreamModel, int Priority, int Weight, PriceHistory? Price, ModelLimits? Limits)
{
    /// <summary>Names the target for health tracking: the same account and model share one breaker across teams.</summary>
    public TargetKey Key { get; } = new(Account.Id, UpstreamModel);

    public override string ToString() => $"{Account.Name}/{UpstreamModel}";
}

/// <summary>An account and a pinned model id: what a circuit breaker watches.</summary>
public readonly record struct TargetKey(Guid AccountId, string UpstreamModel);
