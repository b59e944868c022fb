using AgentRouter.Web.Gateway;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Profiles;

namespace AgentRouter.Web.Routing;

/// <summary>Builds a model entry's targets for the policy snapshot.</summary>
public static class RouteTargets
{
    /// <summary>The entry's own account and model first, then its alternates in the order written; empty for an entry
    /// with one target (the route alone serves it, with no failover machinery in the way).</summary>
    public static IReadOnlyList<RouteTarget> Of(ModelEntry entry, IReadOnlyDictionary<Guid, UpstreamAccount> accounts,
        IReadOnlyDictionary<string, PriceHistory> prices, IReadOnlyDictionary<string, ModelLimits> limits)
    {
        if (entry.Alternates.Count == 0)
            return [];
        List<RouteTarget> targets = [Target(accounts[entry.ProviderAccountId], entry.UpstreamModel, entry.Priority, entry.Weight)];
        targets.AddRange(entry.Alternates.OrderBy(a => a.Position).Select(a => Target(accounts[a.ProviderAccountId], a.UpstreamModel, a.Priority, a.Weight)));
        return targets;

        RouteTarget Target(UpstreamAccount account, string model, int priority, int weight) =>
            new(account, model, priority, weight, prices.GetValueOrDefault(model), limits.GetValueOrDefault(model));
    }
}
