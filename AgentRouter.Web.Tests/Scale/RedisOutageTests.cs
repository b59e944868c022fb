using System.Net;
using AgentRouter.Web.Redis;
using AgentRouter.Web.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>Redis dies and comes back empty: budgeted requests are refused in the caller's dialect meanwhile
/// (fail-closed, the default), and the budget windows are rebuilt from the store afterwards.</summary>
public sealed class RedisOutageTests(ReplicaFixture fixture) : IClassFixture<ReplicaFixture>
{
    [Fact]
    public async Task KillingRedis_RefusesBudgetedRequestsWith503_AndARestartRebuildsTheCountersFromTheStore()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        // Every answer reports 400 tokens; a request reserves max_tokens + its body ÷ 4 until then.
        fixture.Fake.Usage = new FakeUsage(300, 100);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily" } } });
        await ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.Teams[s.TeamId].Budgets.Count == 1);
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());

        using var first = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        using var second = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        await fixture.A.Usage.For(first);
        await fixture.B.Usage.For(second);

        await fixture.Redis.KillAsync();
        using var during = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 10));
        var refusal = AdminClientJson(await during.Content.ReadAsStringAsync());
        using var notReady = await a.GetAsync("/healthz/ready");
        using var live = await a.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal("api_error", refusal.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("budget store (Redis) is unreachable", refusal.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("Redis does not answer", await notReady.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        // Redis restarts empty; both replicas reconnect by themselves.
        var reconnected = new[] { fixture.A, fixture.B }.Select(r =>
        {
            var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            r.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, _) => restored.TrySetResult();
            return restored.Task;
        }).ToList();
        await fixture.Redis.StartAsync();
        await Task.WhenAll(reconnected).WaitAsync(TimeSpan.FromSeconds(30));

        // The window is rebuilt from the store's 800 tokens: 800 + ~125 fits, then 1,200 + ~325 does not. Counters
        // that restarted from zero would have admitted both.
        using var small = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 100));
        using var large = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        using var ready = await a.GetAsync("/healthz/ready");

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private static System.Text.Json.JsonElement AdminClientJson(string text) => Infrastructure.AdminClient.Json(text);
}

/// <summary>The optional fail-open mode: while Redis is away each replica admits on its own ledger; afterwards the
/// window is whole again, the outage's usage included.</summary>
public sealed class RedisFailOpenTests(FailOpenReplicaFixture fixture) : IClassFixture<FailOpenReplicaFixture>
{
    [Fact]
    public async Task WithFailOpen_RequestsAreAdmittedDuringTheOutage_AndCountAfterwards()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        fixture.Fake.Usage = new FakeUsage(300, 100);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily" } } });
        await ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.Teams[s.TeamId].Budgets.Count == 1);
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());
        using var before = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        await fixture.A.Usage.For(before);

        await fixture.Redis.KillAsync();
        using var during = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        Assert.Equal(HttpStatusCode.OK, during.StatusCode);
        await fixture.B.Usage.For(during);

        var reconnected = new[] { fixture.A, fixture.B }.Select(r =>
        {
            var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            r.Services.GetRequiredService<RedisConnection>().Multiplexer.ConnectionRestored += (_, _) => restored.TrySetResult();
            return restored.Task;
        }).ToList();
        await fixture.Redis.StartAsync();
        await Task.WhenAll(reconnected).WaitAsync(TimeSpan.FromSeconds(30));

        // 800 tokens in the store (one request before, one during the outage): ~125 more fits, ~325 more does not.
        using var small = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 100));
        using var large = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 300));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
    }
}
