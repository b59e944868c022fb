using AgentRouter.Web.RateLimits;

namespace AgentRouter.Web.Tests.RateLimits;

public sealed class RateLimitCountersTests
{
    private static CounterCharge Charge(Guid owner, RateMetric metric, long window, long amount, long limit) =>
        new() { Counter = new CounterId(RateLimitScope.Key, owner, metric), Window = window, Amount = amount, Limit = limit };

    [Fact]
    public async Task TryCharge_WhenALaterCounterIsFull_AddsNothingToTheEarlierOnes()
    {
        var counters = new InProcessRateLimitCounters();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        Assert.Equal(-1, await counters.TryChargeAsync([Charge(b, RateMetric.Requests, 7, 1, 1)]));

        var charges = new[] { Charge(a, RateMetric.Requests, 7, 1, 5), Charge(b, RateMetric.Requests, 7, 1, 1) };
        Assert.Equal(1, await counters.TryChargeAsync(charges));

        // a was taken back: five more fit, the sixth does not.
        for (var i = 0; i < 5; i++)
            Assert.Equal(-1, await counters.TryChargeAsync([Charge(a, RateMetric.Requests, 7, 1, 5)]));
        Assert.Equal(0, await counters.TryChargeAsync([Charge(a, RateMetric.Requests, 7, 1, 5)]));
    }

    [Fact]
    public async Task ANewWindow_StartsAtZero_AndAdjustmentsToAnEndedWindowAreDropped()
    {
        var counters = new InProcessRateLimitCounters();
        var owner = Guid.NewGuid();
        var first = new[] { Charge(owner, RateMetric.Tokens, 100, 900, 1000) };
        Assert.Equal(-1, await counters.TryChargeAsync(first));
        Assert.Equal(0, await counters.TryChargeAsync([Charge(owner, RateMetric.Tokens, 100, 101, 1000)]));

        var next = new[] { Charge(owner, RateMetric.Tokens, 101, 1000, 1000) };
        Assert.Equal(-1, await counters.TryChargeAsync(next));
        Assert.Equal(1000, next[0].Level);
        // Settling the old window's reservation must not free room in the new one.
        first[0].Amount = -900;
        await counters.AdjustAsync(first);
        Assert.Equal(0, await counters.TryChargeAsync([Charge(owner, RateMetric.Tokens, 101, 1, 1000)]));
    }

    [Fact]
    public async Task Concurrency_IsReleasedByAdjust()
    {
        var counters = new InProcessRateLimitCounters();
        var owner = Guid.NewGuid();
        var held = new[] { Charge(owner, RateMetric.Concurrent, 0, 1, 1) };
        Assert.Equal(-1, await counters.TryChargeAsync(held));
        Assert.Equal(0, await counters.TryChargeAsync([Charge(owner, RateMetric.Concurrent, 0, 1, 1)]));
        held[0].Amount = -1;
        await counters.AdjustAsync(held);
        Assert.Equal(-1, await counters.TryChargeAsync([Charge(owner, RateMetric.Concurrent, 0, 1, 1)]));
    }
}
