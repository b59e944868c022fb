using System.Net;
using AgentRouter.Web.Data;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>Two router processes' worth of state (two hosts sharing only PostgreSQL and Redis) behave as one router.</summary>
public sealed class ReplicaTests(ReplicaFixture fixture) : IClassFixture<ReplicaFixture>
{
    [Fact]
    public async Task TwoReplicasStartingTogetherOnAnEmptyDatabase_MigrateAndSeedOnce()
    {
        var applied = new[] { fixture.A, fixture.B }.Select(r => r.Services.GetRequiredService<StoreInitializer>().Applied).ToList();
        await using var db = await fixture.A.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var all = db.Database.GetMigrations().ToList();
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var history = new NpgsqlCommand("SELECT count(*), count(DISTINCT \"MigrationId\") FROM \"__EFMigrationsHistory\"", connection);
        await using var reader = await history.ExecuteReaderAsync();
        await reader.ReadAsync();
        var (rows, distinct) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.CloseAsync();
        var sandboxes = await db.ProviderAccounts.CountAsync(p => p.Kind == AgentRouter.Web.Providers.ProviderKind.Sandbox);
        await using var jobs = new NpgsqlCommand("SELECT value FROM hangfire.set WHERE key = 'recurring-jobs' ORDER BY value", connection);
        var recurring = new List<string>();
        await using (var jobReader = await jobs.ExecuteReaderAsync())
            while (await jobReader.ReadAsync())
                recurring.Add(jobReader.GetString(0));

        Assert.Single(applied, a => a.Count == all.Count);
        Assert.Single(applied, a => a.Count == 0);
        Assert.Equal((all.Count, all.Count), (rows, distinct));
        Assert.Equal(1, sandboxes);
        // Both registered the recurring jobs in the shared Hangfire storage (on PostgreSQL), where each exists once.
        Assert.Contains("usage-rollup", recurring);
        Assert.Equal(recurring.Distinct().Count(), recurring.Count);
    }

    [Fact]
    public async Task ABurstSplitAcrossBothReplicas_AgainstABudgetThatFitsTen_AdmitsExactlyTen()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        // Each request reserves about 1,000 tokens (max_tokens 990 + the body); the team pool fits ten of them.
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 10_300, cadence = "daily" } } });
        await ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.Teams[s.TeamId].Budgets.Count == 1);
        var seen = fixture.Fake.Requests.Count;
        // Admitted streams stay open until every request has been decided, so none settles early and frees room.
        var release = new TaskCompletionSource();
        fixture.Fake.HoldAfterFirstEvent = release.Task;
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());
        try
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
                (i % 2 == 0 ? a : b).SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, maxTokens: 990, stream: true), HttpCompletionOption.ResponseHeadersRead)));

            Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
            Assert.Equal(40, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
            Assert.Equal(10, fixture.Fake.Requests.Count - seen);
            // Each replica alone would have admitted ten (twenty in all): the one budget was shared.
            release.SetResult();
            foreach (var response in responses)
                using (response)
                    await response.Content.ReadAsStringAsync();
        }
        finally
        {
            release.TrySetResult();
            fixture.Fake.HoldAfterFirstEvent = null;
        }
    }

    [Fact]
    public async Task RateLimitsCountAcrossReplicas_ABurstSplitOverBoth_AdmitsExactlyTheLimit()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { limits = new[] { new { scope = "key", requestsPerMinute = 5 } } });
        await ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.Teams[s.TeamId].Limits.Count == 1);
        // Both replicas' clocks in the same minute, one second into it.
        var now = new[] { fixture.A.Clock.GetUtcNow(), fixture.B.Clock.GetUtcNow() }.Max();
        var minute = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1).AddSeconds(1);
        fixture.A.Clock.SetUtcNow(minute);
        fixture.B.Clock.SetUtcNow(minute);
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            (i % 2 == 0 ? a : b).SendAsync(ReplicaFixture.Message(s.Key, s.PublicName))));

        Assert.Equal(5, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(7, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task AKeyRevokedThroughA_IsRefusedByB_OnItsNextRequestAfterTheNotification()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        var b = fixture.B.Gateway();
        using (var before = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName)))
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        var hash = KeyMaterial.Hash(s.Key);
        var heard = ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.FindKey(hash) is null);
        await s.Admin.RevokeKeyAsync(s.KeyId);
        var took = await heard;
        using var after = await b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName));

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("\"authentication_error\"", await after.Content.ReadAsStringAsync());
        TestContext.Current.TestOutputHelper?.WriteLine($"Revocation reached replica B {took.TotalMilliseconds:0} ms after the revoke call returned.");
    }

    [Fact]
    public async Task AProfileEditAndACredentialRotationThroughB_ApplyOnA()
    {
        var s = await fixture.ScenarioAsync(fixture.B);
        var a = fixture.A.Gateway();

        await s.Admin.PutProfileAsync(s.TeamId, (s.PublicName, s.ProviderId, s.UpstreamModel), ("claude-added", s.ProviderId, s.UpstreamModel));
        await ReplicaFixture.WhenPolicyAsync(fixture.A, p => p.Teams[s.TeamId].Resolve("claude-added") is not null);
        using var edited = await a.SendAsync(ReplicaFixture.Message(s.Key, "claude-added"));
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        Assert.Equal(s.UpstreamModel, fixture.Fake.LastRequest.BodyJson().GetProperty("model").GetString());

        var rotated = $"sk-rotated-{Guid.NewGuid():N}";
        await s.Admin.RotateAsync(s.ProviderId, rotated);
        await ReplicaFixture.WhenPolicyAsync(fixture.A, p => p.Teams[s.TeamId].Models[0].Account.Credential == rotated);
        using var afterRotation = await a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName));
        Assert.Equal(HttpStatusCode.OK, afterRotation.StatusCode);
        Assert.Equal(rotated, fixture.Fake.LastRequest.Headers["x-api-key"]);
    }

    [Fact]
    public async Task AnMcpSessionStartedOnA_ContinuesOnB_AndEndsEverywhere()
    {
        var admin = fixture.A.Admin();
        var secret = $"org-github-{Guid.NewGuid():N}";
        var name = $"github-{Guid.NewGuid().ToString("N")[..6]}";
        var server = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers", new { name, url = fixture.Mcp.Url, auth = new { kind = "bearer", secret } }, HttpStatusCode.Created);
        fixture.Mcp.State.ExpectedCredential = ("authorization", "Bearer " + secret);
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile",
            new { models = Array.Empty<object>(), mcpServers = new[] { new { serverId = server["id"]!.GetValue<Guid>(), tools = (string[]?)null } } });
        var (_, key) = await admin.CreateKeyAsync(teamId, await admin.CreateDeveloperAsync(teamId));
        var hash = KeyMaterial.Hash(key);
        await ReplicaFixture.WhenPolicyAsync(fixture.B, p => p.FindKey(hash)?.Team.McpServers.ContainsKey(name) == true);
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());
        var initializesBefore = fixture.Mcp.Requests.Count(r => r.Body.Contains("\"initialize\""));

        var (opened, _) = await ReplicaFixture.McpAsync(a, key, null,
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        var session = opened.Headers.GetValues("mcp-session-id").Single();
        var (listed, tools) = await ReplicaFixture.McpAsync(a, key, session, """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""");
        var (called, result) = await ReplicaFixture.McpAsync(b, key, session,
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"NAME__echo","arguments":{"text":"from b"}}}""".Replace("NAME", name));

        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains($"{name}__echo", tools);
        Assert.Equal(HttpStatusCode.OK, called.StatusCode);
        Assert.Contains("github: from b", result);
        // B continued A's upstream session instead of opening one of its own.
        Assert.Equal(initializesBefore + 1, fixture.Mcp.Requests.Count(r => r.Body.Contains("\"initialize\"")));

        using var end = new HttpRequestMessage(HttpMethod.Delete, "/mcp");
        end.Headers.Authorization = new("Bearer", key);
        end.Headers.Add("mcp-session-id", session);
        using var ended = await b.SendAsync(end);
        var (afterEnd, _) = await ReplicaFixture.McpAsync(a, key, session, """{"jsonrpc":"2.0","id":4,"method":"ping"}""");
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, afterEnd.StatusCode);
    }
}
