using AgentRouter.Web.Gateway;
using AgentRouter.Web.Providers.Anthropic;
using AgentRouter.Web.Routing;

namespace AgentRouter.Web.Tests.Routing;

public sealed class TargetSelectorTests
{
    private static RouteTarget Target(string model, int priority, int weight) =>
        new(new UpstreamAccount(Guid.NewGuid(), model + "-account", new AnthropicAdapter(), "http://127.0.0.1:1", null), model, priority, weight, null, null);

    [Fact]
    public void Order_WeightsHoldOver1000Requests_AndLowerPrioritiesComeLast()
    {
        var selector = new TargetSelector(new Random(20261130));
        RouteTarget[] targets = [Target("a", 0, 1), Target("b", 0, 3), Target("standby", 1, 100), Target("c", 0, 6)];
        var first = new Dictionary<string, int> { ["a"] = 0, ["b"] = 0, ["c"] = 0, ["standby"] = 0 };

        for (var i = 0; i < 1000; i++)
        {
            var order = selector.Order(targets);
            Assert.Equal(4, order.Count);
            Assert.Equal("standby", order[^1].UpstreamModel);
            first[order[0].UpstreamModel]++;
        }

        // Shares 0.1, 0.3, 0.6 of 1,000: standard deviations 9.5, 14.5, 15.5; four of them either side.
        Assert.InRange(first["a"], 100 - 38, 100 + 38);
        Assert.InRange(first["b"], 300 - 58, 300 + 58);
        Assert.InRange(first["c"], 600 - 62, 600 + 62);
        Assert.Equal(0, first["standby"]);
    }

    [Fact]
    public void Order_SameSeed_SameOrders()
    {
        RouteTarget[] targets = [Target("a", 0, 1), Target("b", 0, 2), Target("c", 2, 1), Target("d", 1, 1)];
        var (one, two) = (new TargetSelector(new Random(7)), new TargetSelector(new Random(7)));

        for (var i = 0; i < 50; i++)
            Assert.Equal(one.Order(targets).Select(t => t.UpstreamModel), two.Order(targets).Select(t => t.UpstreamModel));
        Assert.Equal(["d", "c"], one.Order(targets).Skip(2).Select(t => t.UpstreamModel));
    }

    [Fact]
    public void Order_EveryTargetAppearsOnce()
    {
        RouteTarget[] targets = [Target("a", 3, 1000), Target("b", 3, 1), Target("c", 0, 1)];

        var order = new TargetSelector(new Random(1)).Order(targets);

        Assert.Equal(["a", "b", "c"], order.Select(t => t.UpstreamModel).Order());
        Assert.Equal("c", order[0].UpstreamModel);
    }
}
