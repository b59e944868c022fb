using System.Net;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AgentRouter.Web.Tests.Budgets;

/// <summary>Budgets enforced on the hot path, in every dialect.</summary>
public sealed class BudgetGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static Task SetBudgetsAsync(Scenario s, params object[] budgets) =>
        s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets });

    private static HttpRequestMessage Call(string kind, string key, string model, int maxTokens) => kind switch
    {
        "anthropic" => Requests.Anthropic(key, new { model, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "hi" } } }),
        "openai" => Requests.OpenAI(key, new { model, max_tokens = maxTokens, messages = new[] { new { role = "user", content = "hi" } } }),
        _ => Requests.Gemini(key, model, "generateContent", Requests.Contents("hi")),
    };

    [Theory]
    [InlineData("anthropic", "error.type", "rate_limit_error")]
    [InlineData("openai", "error.code", "budget_exceeded")]
    [InlineData("gemini", "error.status", "RESOURCE_EXHAUSTED")]
    public async Task ExhaustedBudget_Is429InTheCallersDialect_WithRetryAfterUntilTheReset(string kind, string path, string expected)
    {
        var s = await fixture.ScenarioAsync(kind, "budgeted", $"{kind}-budgeted");
        await SetBudgetsAsync(s, new { scope = "developer", tokens = 50, cadence = "daily", mode = "block" });

        using var response = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName, maxTokens: 5000));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());
        var node = path.Split('.').Aggregate(error, (e, p) => e.GetProperty(p));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(expected, node.GetString());
        var now = fixture.Router.Clock.GetUtcNow();
        var secondsToMidnight = (int)Math.Ceiling((now.UtcDateTime.Date.AddDays(1) - now.UtcDateTime).TotalSeconds);
        Assert.Equal(secondsToMidnight.ToString(), response.Headers.RetryAfter!.ToString());
        Assert.Equal("budget_exceeded", (await fixture.Router.Usage.For(response)).Error);
        Assert.DoesNotContain(s.Fake.Requests, r => r.Body.Contains("budgeted") || r.Path.Contains("budgeted"));
    }

    [Fact]
    public async Task RemainingBudget_IsInTheResponseHeaders()
    {
        var s = await fixture.ScenarioAsync("anthropic", "remaining", "anthropic-remaining");
        await SetBudgetsAsync(s, new { scope = "developer", tokens = 1_000_000, usd = 25, cadence = "monthly" });

        using var response = await s.Client.SendAsync(Call("anthropic", s.Key, s.PublicName, maxTokens: 1000));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var remaining = long.Parse(response.Headers.GetValues("x-agentrouter-budget-remaining-tokens").Single());
        Assert.InRange(remaining, 1_000_000 - 1100, 1_000_000 - 1000);
        Assert.True(response.Headers.Contains("x-agentrouter-budget-remaining-usd"));
    }

    [Fact]
    public async Task BurstOf50_AgainstABudgetThatFits10_AdmitsOnly10()
    {
        var s = await fixture.ScenarioAsync("openai", "burst", "openai-burst");
        // Each request reserves about 1,000 tokens (max_tokens 990 + the body); the budget fits ten of them.
        await SetBudgetsAsync(s, new { scope = "team", tokens = 10_300, cadence = "daily" });
        // Admitted streams stay open until every request has been decided, so none settles early and frees room.
        var release = new TaskCompletionSource();
        s.Fake.HoldAfterFirstEvent = release.Task;
        try
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
                s.Client.SendAsync(Requests.OpenAI(s.Key, new { model = s.PublicName, max_tokens = 990, stream = true, messages = new[] { new { role = "user", content = "hi" } } }),
                    HttpCompletionOption.ResponseHeadersRead)));

            Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(40, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
            release.SetResult();
            foreach (var response in responses)
                using (response)
                    await response.Content.ReadAsStringAsync();
        }
        finally
        {
            release.TrySetResult();
            s.Fake.HoldAfterFirstEvent = null;
        }
    }

    [Fact]
    public async Task WarnMode_LetsTheRequestThrough_AndFlagsIt()
    {
        var s = await fixture.ScenarioAsync("anthropic", "warned", "anthropic-warned");
        await SetBudgetsAsync(s, new { scope = "developer", tokens = 10, cadence = "weekly", mode = "warn" });

        using var response = await s.Client.SendAsync(Call("anthropic", s.Key, s.PublicName, maxTokens: 100));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(record.OverBudget);
    }

    [Fact]
    public async Task SpendSettlesToReportedUsage_NotTheEstimate()
    {
        var s = await fixture.ScenarioAsync("anthropic", "settled", "anthropic-settled");
        await SetBudgetsAsync(s, new { scope = "developer", tokens = 3000, cadence = "daily" });
        s.Fake.Usage = new FakeUsage(Input: 10, Output: 10);

        // Each reserves ~2,000 tokens but uses 20: after settling, the next still fits.
        for (var i = 0; i < 5; i++)
        {
            using var response = await s.Client.SendAsync(Call("anthropic", s.Key, s.PublicName, maxTokens: 2000));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task ARestart_KeepsTheWindowsSpend()
    {
        var directory = Path.Combine(Path.GetTempPath(), "agentrouter-tests", Guid.NewGuid().ToString("N"));
        await using var fake = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        fake.Usage = new FakeUsage(Input: 400, Output: 400);
        string key;
        await using (var first = new RouterFactory(directory, keepData: true))
        {
            var admin = first.Admin();
            var provider = await admin.CreateProviderAsync("anthropic", fake.BaseUrl, "sk-ant-x");
            await admin.PriceAsync("restart-model");
            var (teamId, _) = await admin.CreateTeamAsync();
            await admin.PutProfileAsync(teamId, ("m", provider, "restart-model"));
            await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "monthly" } } });
            key = (await admin.CreateKeyAsync(teamId, null)).Key;
            using var spent = await first.Gateway().SendAsync(Call("anthropic", key, "m", maxTokens: 100));
            Assert.Equal(HttpStatusCode.OK, spent.StatusCode);
            await first.Usage.For(spent);
        }
        SqliteConnection.ClearAllPools();

        await using var second = new RouterFactory(directory);
        // 800 of 1,000 tokens are spent: a request reserving ~105 fits, one reserving ~300 does not.
        using var small = await second.Gateway().SendAsync(Call("anthropic", key, "m", maxTokens: 100));
        using var large = await second.Gateway().SendAsync(Call("anthropic", key, "m", maxTokens: 300));

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
    }

    [Fact]
    public async Task InvalidBudgets_Are400ListingEachProblem()
    {
        var s = await fixture.ScenarioAsync("anthropic", "invalid", "anthropic-invalid");
        var problem = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new object[] { new { scope = "org", cadence = "hourly" }, new { scope = "team", tokens = -5, cadence = "daily" } }, billing = new { mode = "free" } },
            HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();

        Assert.True(errors.ContainsKey("budgets[0].scope"));
        Assert.True(errors.ContainsKey("budgets[0].cadence"));
        Assert.True(errors.ContainsKey("budgets[0].tokens"));
        Assert.True(errors.ContainsKey("budgets[1].tokens"));
        Assert.True(errors.ContainsKey("billing.mode"));
    }

    [Fact]
    public async Task ProfileDocument_RoundTripsBudgetsAndBilling_AndLeavesOmittedSectionsAlone()
    {
        var s = await fixture.ScenarioAsync("anthropic", "doc", "anthropic-doc");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new
        {
            budgets = new[] { new { scope = "developer", tokens = 2_000_000, cadence = "daily", mode = "block" } },
            billing = new { mode = "passthrough-allowed", passthroughCountsAgainstBudget = true },
        });

        var document = await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/profile");

        Assert.Equal("doc", document["models"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(2_000_000, document["budgets"]![0]!["tokens"]!.GetValue<long>());
        Assert.Equal("developer", document["budgets"]![0]!["scope"]!.GetValue<string>());
        Assert.Equal("passthrough-allowed", document["billing"]!["mode"]!.GetValue<string>());
        Assert.True(document["billing"]!["passthroughCountsAgainstBudget"]!.GetValue<bool>());
    }
}
