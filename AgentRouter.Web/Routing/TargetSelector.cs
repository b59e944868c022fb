namespace AgentRouter.Web.Routing;

/// <summary>Orders a model's targets for one request: lowest priority number first, and within one priority a random
/// order drawn by weight (without replacement), so each target of the top healthy priority is first in proportion to
/// its weight and the others stand behind it as failover.</summary>
public sealed class TargetSelector(Random random)
{
    private readonly Lock _gate = new();

    public TargetSelector() : this(Random.Shared)
    {
    }

    public List<RouteTarget> Order(IReadOnlyList<RouteTarget> targets)
    {
        var ordered = new List<RouteTarget>(targets.Count);
        if (targets.Count <= 1)
        {
            ordered.AddRange(targets);
            return ordered;
        }
        foreach (var tier in targets.GroupBy(t => t.Priority).OrderBy(g => g.Key))
        {
            var pool = tier.ToList();
            while (pool.Count > 1)
            {
                var pick = Draw(pool.Sum(t => (long)t.Weight));
                var i = 0;
                while (pick >= pool[i].Weight)
                    pick -= pool[i++].Weight;
                ordered.Add(pool[i]);
                pool.RemoveAt(i);
            }
            ordered.Add(pool[0]);
        }
        return ordered;
    }

    private long Draw(long total)
    {
        // A seeded Random (tests) is not thread-safe; Random.Shared is, and the lock is uncontended in the common case.
        lock (_gate)
            return random.NextInt64(total);
    }
}
