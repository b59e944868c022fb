using AgentRouter.Web.Pricing;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Tests.Unit;

public sealed class PolicySnapshotTests
{
    private static readonly UpstreamAccount Anthropic = new(Guid.NewGuid(), "anthropic-main", new AgentRouter.Web.Providers.Anthropic.AnthropicAdapter(), "https://api.anthropic.com/", "sk-ant-secret");
    private static readonly UpstreamAccount OpenAI = new(Guid.NewGuid(), "openai-main", new AgentRouter.Web.Providers.OpenAI.OpenAIAdapter(), "https://api.openai.com/v1", "sk-proj-secret");

    /// <summary>Claude Sonnet 4.5 list prices per million tokens.</summary>
    private static readonly PriceSheet Sonnet = new(DateTimeOffset.MinValue, new TokenRates(3.00m, 15.00m, 3.75m, 6.00m, 0.30m));

    private static TeamPolicy Team(params ModelRoute[] routes) => new(Guid.NewGuid(), "acme", BillingMode.Central, routes);

    // ---- TeamPolicy.Resolve ------------------------------------------------------------------------------

    [Fact]
    public void Resolve_PublicName_FindsTheRoute()
    {
        var sonnet = new ModelRoute("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", Anthropic, new PriceHistory([Sonnet]));
        var team = Team(sonnet, new ModelRoute("gpt-4o", "gpt-4o-2024-08-06", OpenAI, null));

        Assert.Same(sonnet, team.Resolve("claude-sonnet-4-5"));
    }

    [Fact]
    public void Resolve_ExactPinnedUpstreamId_FindsTheRoute()
    {
        var gpt = new ModelRoute("gpt-4o", "gpt-4o-2024-08-06", OpenAI, null);
        var team = Team(new ModelRoute("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", Anthropic, new PriceHistory([Sonnet])), gpt);

        Assert.Same(gpt, team.Resolve("gpt-4o-2024-08-06"));
    }

    [Theory]
    [InlineData("claude-opus-4-1")]
    [InlineData("Claude-Sonnet-4-5")]
    [InlineData("CLAUDE-SONNET-4-5-20250929")]
    [InlineData("claude-sonnet-4-5-20250929 ")]
    [InlineData("claude-sonnet-4-5-2025")]
    [InlineData("")]
    public void Resolve_UnknownOrInexactName_IsNull(string requested)
    {
        var team = Team(new ModelRoute("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", Anthropic, new PriceHistory([Sonnet])));

        Assert.Null(team.Resolve(requested));
    }

    [Fact]
    public void Resolve_PublicNameWinsOverAnotherRoutesUpstreamId()
    {
        var cheap = new ModelRoute("fast", "gpt-4o-mini", OpenAI, null);
        var pinned = new ModelRoute("gpt-4o-mini", "gpt-4o-mini-2024-07-18", OpenAI, null);
        var team = Team(cheap, pinned);

        Assert.Same(pinned, team.Resolve("gpt-4o-mini"));
        Assert.Same(cheap, team.Resolve("fast"));
    }

    [Fact]
    public void Resolve_EmptyProfile_IsNull()
    {
        Assert.Null(Team().Resolve("gpt-4o"));
    }

    // ---- PolicySnapshot.FindKey --------------------------------------------------------------------------

    [Fact]
    public void FindKey_ByHash_FindsOnlyKnownKeys()
    {
        var team = Team();
        var key = KeyMaterial.NewApiKey("acme");
        var grant = new KeyGrant(Guid.NewGuid(), KeyMaterial.Hash(key), team, Guid.NewGuid(), null, null);
        var snapshot = new PolicySnapshot([grant], [team]);

        Assert.Same(grant, snapshot.FindKey(KeyMaterial.Hash(key)));
        Assert.Null(snapshot.FindKey(KeyMaterial.Hash(key + "x")));
        Assert.Same(team, snapshot.Teams[team.TeamId]);
        Assert.Null(PolicySnapshot.Empty.FindKey(KeyMaterial.Hash(key)));
    }

    // ---- PriceSheet.Cost ---------------------------------------------------------------------------------

    [Fact]
    public void Cost_OneMillionCacheReadTokens_IsTheCacheReadPriceExactly()
    {
        var usage = new TokenUsage { CacheRead = 1_000_000 };

        Assert.Equal(0.30m, Sonnet.Cost(usage).Usd);
    }

    [Theory]
    [InlineData(1_000_000, 0, 0, 0, "3")]
    [InlineData(0, 1_000_000, 0, 0, "15")]
    [InlineData(0, 0, 1_000_000, 0, "3.75")]
    [InlineData(0, 0, 0, 1_000_000, "0.30")]
    [InlineData(1, 0, 0, 0, "0.000003")]
    [InlineData(0, 0, 0, 1, "0.0000003")]
    [InlineData(1234, 5678, 910, 11121, "0.0956208")]
    [InlineData(0, 0, 0, 0, "0")]
    public void Cost_IsExactDecimalArithmetic(long input, long output, long cacheWrite, long cacheRead, string expected)
    {
        var usage = new TokenUsage { Input = input, Output = output, CacheWrite = cacheWrite, CacheRead = cacheRead };

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Sonnet.Cost(usage).Usd);
    }

    [Fact]
    public void Cost_LargeMixedCounts_HaveNoRoundingDrift()
    {
        // 1,234,567 input at $3, 7,654,321 output at $15, 3 cache write at $3.75, 999,999,999 cache read at $0.30.
        var usage = new TokenUsage { Input = 1_234_567, Output = 7_654_321, CacheWrite = 3, CacheRead = 999_999_999 };

        // 3.703701 + 114.814815 + 0.00001125 + 299.9999997
        Assert.Equal(418.51852695m, Sonnet.Cost(usage).Usd);
    }

    [Fact]
    public void Cost_ReasoningIsAlreadyInOutputAndNotChargedAgain()
    {
        var usage = new TokenUsage { Output = 1000, Reasoning = 800 };

        Assert.Equal(0.015m, Sonnet.Cost(usage).Usd);
    }
}
