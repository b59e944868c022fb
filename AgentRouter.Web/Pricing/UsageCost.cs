using AgentRouter.Web.Billing;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Pricing;

/// <summary>Puts a request's priced usage on its usage record.</summary>
public static class UsageCost
{
    /// <summary>Writes the dimensions only prices care about, the cost at <paramref name="sheet"/> (zero without one)
    /// and whether the long-context tier applied.</summary>
    public static void Record(UsageRecord call, in TokenUsage usage, PriceSheet? sheet)
    {
        call.CacheWrite1hTokens = usage.CacheWrite1h;
        call.WebSearchRequests = usage.WebSearches;
        var charge = sheet?.Cost(usage) ?? default;
        call.CostUsd = charge.Usd;
        call.LongContext = charge.LongContext;
    }
}
