using System.Collections.Concurrent;

namespace AgentRouter.Web.RateLimits;

/// <summary>What a counter counts.</summary>
public enum RateMetric : byte { Requests, Tokens, Concurrent }

/// <summary>One counter: a metric for one key, developer or team.</summary>
public readonly record struct CounterId(RateLimitScope Scope, Guid Owner, RateMetric Metric);

/// <summary>One limit a request counts against. <see cref="Window"/> is the minute (Unix minutes) for per-minute
/// counters and 0 for concurrency, which never resets. <see cref="Level"/> is written back by the counters.</summary>
public struct CounterCharge
{
    public CounterId Counter;
    public long Window;
    public long Amount;
    public long Limit;

    /// <summary>The counter's value after the charge; for the charge that did not fit, its value before.</summary>
    public long Level;
}

/// <summary>The rate-limit counters the gateway shares between requests: in-process by default; a shared store
/// (Redis) implements the same two calls so that every replica counts against the same limits.</summary>
public interface IRateLimitCounters
{
    /// <summary>Adds each charge's <see cref="CounterCharge.Amount"/> to its counter in its window, all or none: when
    /// any counter would pass its <see cref="CounterCharge.Limit"/>, nothing is added. A counter whose stored window
    /// is older than the charge's starts the new window at zero.</summary>
    /// <returns>-1 when everything was added, else the index of the first charge that did not fit.</returns>
    ValueTask<int> TryChargeAsync(CounterCharge[] charges);

    /// <summary>Adds each charge's (possibly negative) amount to its counter if the counter is still in the charge's
    /// window: replaces a token estimate by the reported usage, releases a concurrency slot.</summary>
    ValueTask AdjustAsync(CounterCharge[] charges);
}

/// <summary>Counters in this process: one small object per counter, each under its own lock, so requests of
/// different keys and teams never contend. Only the current window is kept per counter.</summary>
public sealed class InProcessRateLimitCounters : IRateLimitCounters
{
    private readonly ConcurrentDictionary<CounterId, Counter> _counters = new();

    public ValueTask<int> TryChargeAsync(CounterCharge[] charges)
    {
        for (var i = 0; i < charges.Length; i++)
        {
            ref var charge = ref charges[i];
            var counter = _counters.GetOrAdd(charge.Counter, static _ => new Counter());
            lock (counter)
            {
                if (charge.Window > counter.Window)
                    (counter.Window, counter.Value) = (charge.Window, 0);
                // A request admitted with a slightly older clock reading counts in the window the counter is in.
                charge.Window = counter.Window;
                if (charge.Amount > 0 && counter.Value + charge.Amount > charge.Limit)
                {
                    charge.Level = counter.Value;
                    Undo(charges, i);
                    return ValueTask.FromResult(i);
                }
                counter.Value += charge.Amount;
                charge.Level = counter.Value;
            }
        }
        return ValueTask.FromResult(-1);
    }

    public ValueTask AdjustAsync(CounterCharge[] charges)
    {
        foreach (ref var charge in charges.AsSpan())
        {
            if (charge.Amount == 0 || !_counters.TryGetValue(charge.Counter, out var counter))
                continue;
            lock (counter)
            {
                if (counter.Window == charge.Window)
                    counter.Value = Math.Max(0, counter.Value + charge.Amount);
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>Takes back the charges before <paramref name="end"/>, which were added.</summary>
    private void Undo(CounterCharge[] charges, int end)
    {
        for (var i = 0; i < end; i++)
        {
            var counter = _counters[charges[i].Counter];
            lock (counter)
            {
                if (counter.Window == charges[i].Window)
                    counter.Value -= charges[i].Amount;
            }
        }
    }

    private sealed class Counter
    {
        public long Window;
        public long Value;
    }
}
