using System.Net;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Budgets;

/// <summary>A developer's own Claude Max/Pro subscription, routed and observed, never billed.</summary>
public sealed class PassthroughTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string OAuthToken = "sk-ant-oat01-developers-own-subscription-token";

    private static Task BillingAsync(Scenario s, string mode, bool counts = false, params object[] budgets) =>
        s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { billing = new { mode, passthroughCountsAgainstBudget = counts }, budgets });

    /// <summary>What Claude Code sends with ANTHROPIC_AUTH_TOKEN and ANTHROPIC_CUSTOM_HEADERS set.</summary>
    private static HttpRequestMessage Passthrough(Scenario s, int maxTokens = 100)
    {
        var request = Requests.Anthropic(OAuthToken, new { model = s.PublicName, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "hi" } } }, "authorization");
        request.Headers.Add("x-agent-router-key", s.Key);
        request.Headers.Add("anthropic-beta", "oauth-2025-04-20,claude-code-20250219");
        return request;
    }

    [Fact]
    public async Task OAuthToken_ReachesAnthropicUnchanged_WithNoApiKeyAdded_AndTheRouterKeyStaysBehind()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude", "claude-pt");
        await BillingAsync(s, "passthrough-allowed");
        s.Fake.Usage = new FakeUsage(Input: 1000, Output: 100);

        using var response = await s.Client.SendAsync(Passthrough(s));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal($"Bearer {OAuthToken}", upstream.Headers["authorization"]);
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        Assert.DoesNotContain(upstream.Headers.Values, v => v.Contains(s.Key) || v.Contains(s.ProviderKey));
        Assert.Equal("oauth-2025-04-20,claude-code-20250219", upstream.Headers["anthropic-beta"]);
        Assert.Equal(UsageBilling.Passthrough, record.Billing);
        Assert.Equal((1000 * 3m + 100 * 15m) / 1_000_000m, record.CostUsd); // notional: invoices bill it at zero
    }

    [Fact]
    public async Task Passthrough_TowardANonAnthropicAccount_IsRefused()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude", "claude-pt2");
        var sandbox = (await s.Admin.ListAsync("/api/admin/providers")).Single(p => p!["kind"]!.GetValue<string>() == "sandbox")!["id"]!.GetValue<Guid>();
        await s.Admin.PutProfileAsync(s.TeamId, ("claude", sandbox, "sandbox-claude"));
        await BillingAsync(s, "passthrough-allowed");
        var before = s.Fake.Requests.Count;

        using var response = await s.Client.SendAsync(Passthrough(s));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only sent to Anthropic", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, s.Fake.Requests.Count);
    }

    [Fact]
    public async Task CentralTeam_RefusesASubscriptionToken()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude", "claude-pt3");

        using var response = await s.Client.SendAsync(Passthrough(s));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("billed centrally", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PassthroughRequired_RefusesACentrallyBilledRequest_ExplainingWhatToSet()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude", "claude-pt4");
        await BillingAsync(s, "passthrough-required");

        using var central = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        using var own = await s.Client.SendAsync(Passthrough(s));

        Assert.Equal(HttpStatusCode.Forbidden, central.StatusCode);
        Assert.Contains("x-agent-router-key", await central.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Theory]
    [InlineData(false, HttpStatusCode.OK)]
    [InlineData(true, HttpStatusCode.TooManyRequests)]
    public async Task PassthroughCountsAgainstBudgets_OnlyWhenTheProfileSaysSo(bool counts, HttpStatusCode expected)
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude", $"claude-pt-{counts}");
        await BillingAsync(s, "passthrough-allowed", counts, new { scope = "developer", tokens = 10, cadence = "daily" });

        using var response = await s.Client.SendAsync(Passthrough(s, maxTokens: 500));

        Assert.Equal(expected, response.StatusCode);
    }
}
