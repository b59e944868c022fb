using System.Net;
using System.Text.Json;
using AgentRouter.Web.Alerts;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Alerts;

/// <summary>Budget thresholds fire once per window, on a fake clock, into signed webhooks, Slack and the console bell.</summary>
public sealed class BudgetAlertTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private T Service<T>() where T : notnull => fixture.Router.Services.GetRequiredService<T>();

    private Task<int> EvaluateAsync() => fixture.Router.Services.GetRequiredService<BudgetAlertJob>().RunAsync(CancellationToken.None);

    /// <summary>Runs the job and counts what fired for this team (other tests' teams share the store).</summary>
    private async Task<int> FiredForAsync(Guid teamId)
    {
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var before = await db.AlertFirings.CountAsync(f => f.TeamId == teamId);
        await EvaluateAsync();
        return await db.AlertFirings.CountAsync(f => f.TeamId == teamId) - before;
    }

    private Task<int> DeliverAsync() => Service<AlertDeliveryJob>().RunAsync(CancellationToken.None);

    /// <summary>Spends tokens the way the gateway does: admit an estimate, settle what the provider reported.</summary>
    private void Spend(Guid teamId, Guid developerId, long tokens)
    {
        var ledger = Service<BudgetLedger>();
        var team = Service<PolicyCache>().Current.Teams[teamId];
        var admission = ledger.Admit(team, developerId, 1, 0);
        ledger.Settle(admission, tokens, 0);
    }

    private static async Task<(Guid Id, string Secret)> AddWebhookAsync(AdminClient admin, Guid teamId, string url)
    {
        var created = await admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{teamId}/alert-channels", new { kind = "webhook", name = "ops hook", url }, HttpStatusCode.Created);
        return (created["channel"]!["id"]!.GetValue<Guid>(), created["secret"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThresholdCrossings_FireOncePerWindow_AndAgainInTheNextWindow()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var s = await fixture.ScenarioAsync("anthropic", "alerted", "alerted-model");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily", mode = "warn", alertAt = new[] { 100, 50, 80 } } } });
        var (_, secret) = await AddWebhookAsync(s.Admin, s.TeamId, receiver.Url());

        Spend(s.TeamId, s.DeveloperId, 499);
        Assert.Equal(0, await FiredForAsync(s.TeamId));

        Spend(s.TeamId, s.DeveloperId, 1);
        Assert.Equal(1, await FiredForAsync(s.TeamId));
        Assert.Equal(0, await FiredForAsync(s.TeamId));
        fixture.Router.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, await FiredForAsync(s.TeamId));

        // 50 → 85 %: only 80 is new.
        Spend(s.TeamId, s.DeveloperId, 350);
        Assert.Equal(1, await FiredForAsync(s.TeamId));
        Assert.Equal(0, await FiredForAsync(s.TeamId));

        await DeliverAsync();
        var calls = receiver.Calls.ToList();
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.True(WebhookSignature.Verify(secret, c.Headers["x-agentrouter-signature"], c.Body, fixture.Router.Clock.GetUtcNow(), TimeSpan.FromMinutes(5))));
        var thresholds = calls.Select(c => JsonDocument.Parse(c.Body).RootElement.GetProperty("threshold").GetInt32()).ToList();
        Assert.Equal([50, 80], thresholds);
        var last = JsonDocument.Parse(calls[1].Body).RootElement;
        Assert.Equal("budget.threshold_crossed", last.GetProperty("type").GetString());
        Assert.Equal(s.Slug, last.GetProperty("team").GetProperty("slug").GetString());
        Assert.Equal(850, last.GetProperty("tokensUsed").GetInt64());
        Assert.Equal("budget.threshold_crossed", calls[1].Headers["x-agentrouter-event"]);

        // Re-saving the profile replaces the budget rows; the window's firings still count.
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily", mode = "warn", alertAt = new[] { 50, 80, 100 } } } });
        Assert.Equal(0, await FiredForAsync(s.TeamId));

        // The next day is a new window: 50 % fires again, once.
        var now = fixture.Router.Clock.GetUtcNow();
        fixture.Router.Clock.Advance(now.UtcDateTime.Date.AddDays(1) - now.UtcDateTime + TimeSpan.FromMinutes(5));
        Spend(s.TeamId, s.DeveloperId, 600);
        Assert.Equal(1, await FiredForAsync(s.TeamId));
        Assert.Equal(0, await FiredForAsync(s.TeamId));

        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var firings = await db.AlertFirings.Where(f => f.TeamId == s.TeamId).OrderBy(f => f.FiredAt).ToListAsync();
        Assert.Equal([50, 80, 50], firings.Select(f => f.Threshold));
        Assert.Equal(2, firings.Select(f => f.WindowStart).Distinct().Count());
        Assert.Equal(3, await db.Notifications.CountAsync(n => n.TeamId == s.TeamId));
    }

    [Fact]
    public async Task SeveralThresholdsCrossedAtOnce_RecordEach_AndSendOneMessageNamingTheHighest()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var s = await fixture.ScenarioAsync("anthropic", "jump", "jump-model");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "developer", tokens = 100, cadence = "monthly", mode = "block", alertAt = new[] { 50, 80, 100 } } } });
        await AddWebhookAsync(s.Admin, s.TeamId, receiver.Url());

        Spend(s.TeamId, s.DeveloperId, 90);

        Assert.Equal(2, await FiredForAsync(s.TeamId));
        await DeliverAsync();
        var body = JsonDocument.Parse(Assert.Single(receiver.Calls).Body).RootElement;
        Assert.Equal(80, body.GetProperty("threshold").GetInt32());
        Assert.Equal("developer", body.GetProperty("budget").GetProperty("scope").GetString());
    }

    [Fact]
    public async Task FailedDelivery_IsRetriedWithBackoff_AndEveryAttemptIsRecorded()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(500, 500);
        var s = await fixture.ScenarioAsync("anthropic", "retry", "retry-model");
        var (channelId, secret) = await AddWebhookAsync(s.Admin, s.TeamId, receiver.Url());

        var test = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels/{channelId}/test");
        Assert.Equal("pending", test["status"]!.GetValue<string>());
        Assert.Equal(500, test["attemptLog"]![0]!["statusCode"]!.GetValue<int>());

        // Not due yet: the first retry waits 30 s, the second 60 s.
        await DeliverAsync();
        Assert.Single(receiver.Calls);
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(30));
        await DeliverAsync();
        Assert.Equal(2, receiver.Calls.Count);
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(59));
        await DeliverAsync();
        Assert.Equal(2, receiver.Calls.Count);
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(1));
        await DeliverAsync();

        Assert.Equal(3, receiver.Calls.Count);
        Assert.All(receiver.Calls, c => Assert.True(WebhookSignature.Verify(secret, c.Headers["x-agentrouter-signature"], c.Body, fixture.Router.Clock.GetUtcNow(), TimeSpan.FromMinutes(5))));
        Assert.All(receiver.Calls, c => Assert.Equal("test", c.Headers["x-agentrouter-event"]));
        var delivery = Assert.Single(await s.Admin.ListAsync($"/api/admin/teams/{s.TeamId}/alert-deliveries"));
        Assert.Equal("delivered", delivery!["status"]!.GetValue<string>());
        Assert.Equal(3, delivery["attempts"]!.GetValue<int>());
        Assert.Equal([500, 500, 200], delivery["attemptLog"]!.AsArray().Select(a => a!["statusCode"]!.GetValue<int>()));
        Assert.True(delivery["test"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Delivery_GivesUpAfterMaxAttempts()
    {
        await using var receiver = await LoopbackReceiver.StartAsync(Enumerable.Repeat(500, 10).ToArray());
        var s = await fixture.ScenarioAsync("anthropic", "giveup", "giveup-model");
        var (channelId, _) = await AddWebhookAsync(s.Admin, s.TeamId, receiver.Url());
        await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels/{channelId}/test");

        for (var i = 0; i < 10; i++)
        {
            fixture.Router.Clock.Advance(TimeSpan.FromHours(1));
            await DeliverAsync();
        }

        var delivery = Assert.Single(await s.Admin.ListAsync($"/api/admin/teams/{s.TeamId}/alert-deliveries"));
        Assert.Equal("failed", delivery!["status"]!.GetValue<string>());
        Assert.Equal(6, delivery["attempts"]!.GetValue<int>());
        Assert.Equal(6, receiver.Calls.Count);
    }

    [Fact]
    public async Task SlackChannel_GetsAnIncomingWebhookPayload_AndItsUrlIsMaskedAndEncrypted()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var s = await fixture.ScenarioAsync("anthropic", "slack", "slack-model");
        var url = receiver.Url("/services/T000/B000/XXXXsecretpath");
        var created = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels", new { kind = "slack", name = "#platform", url }, HttpStatusCode.Created);
        var channelId = created["channel"]!["id"]!.GetValue<Guid>();
        Assert.Null(created["secret"]);

        var test = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels/{channelId}/test");

        Assert.Equal("delivered", test["status"]!.GetValue<string>());
        var call = Assert.Single(receiver.Calls);
        Assert.Equal("/services/T000/B000/XXXXsecretpath", call.Path);
        var text = JsonDocument.Parse(call.Body).RootElement.GetProperty("text").GetString()!;
        Assert.Contains("[Test]", text);
        Assert.Contains("81 %", text);
        Assert.Contains(s.Slug, text);
        Assert.False(call.Headers.ContainsKey("x-agentrouter-signature"));

        var listed = (await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/alert-channels")).ToJsonString();
        Assert.DoesNotContain("secretpath", listed);
        Assert.EndsWith("…path", created["channel"]!["url"]!.GetValue<string>());
        var audit = (await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/audit?entityType=AlertChannel&entityId={channelId}")).ToJsonString();
        Assert.Contains("alert-channel.created", audit);
        Assert.Contains("alert-channel.tested", audit);
        Assert.DoesNotContain("secretpath", audit);
        await using var db = await Service<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var stored = await db.AlertChannels.SingleAsync(c => c.Id == channelId);
        Assert.DoesNotContain("secretpath", stored.UrlCipher);
    }

    [Fact]
    public async Task RotatedSecret_SignsTheNextDelivery_AndTheOldSecretNoLongerVerifies()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var s = await fixture.ScenarioAsync("anthropic", "rotate", "rotate-model");
        var (channelId, oldSecret) = await AddWebhookAsync(s.Admin, s.TeamId, receiver.Url());

        var rotated = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels/{channelId}/rotate-secret");
        var newSecret = rotated["secret"]!.GetValue<string>();
        await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels/{channelId}/test");

        Assert.NotEqual(oldSecret, newSecret);
        Assert.Equal("…" + newSecret[^4..], rotated["channel"]!["secretHint"]!.GetValue<string>());
        var call = Assert.Single(receiver.Calls);
        var now = fixture.Router.Clock.GetUtcNow();
        Assert.True(WebhookSignature.Verify(newSecret, call.Headers["x-agentrouter-signature"], call.Body, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify(oldSecret, call.Headers["x-agentrouter-signature"], call.Body, now, TimeSpan.FromMinutes(5)));
        var audit = (await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/audit?entityType=AlertChannel&entityId={channelId}")).ToJsonString();
        Assert.Contains("alert-channel.secret-rotated", audit);
        Assert.DoesNotContain(newSecret, audit);
        Assert.DoesNotContain(oldSecret, audit);
    }

    [Fact]
    public async Task BadChannelsAndThresholds_AreRefusedByField()
    {
        var s = await fixture.ScenarioAsync("anthropic", "bad", "bad-model");

        var channel = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{s.TeamId}/alert-channels", new { kind = "email", name = "", url = "ftp://x" }, HttpStatusCode.BadRequest);
        var profile = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 10, cadence = "daily", alertAt = new[] { 80, 0, 80 } } } }, HttpStatusCode.BadRequest);
        await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/teams/{Guid.NewGuid()}/alert-channels", new { kind = "slack", name = "x", url = "https://hooks.example/x" }, HttpStatusCode.NotFound);

        var errors = channel["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("kind") && errors.ContainsKey("name") && errors.ContainsKey("url"));
        var profileErrors = profile["errors"]!.AsObject();
        Assert.True(profileErrors.ContainsKey("budgets[0].alertAt[1]"));
        Assert.True(profileErrors.ContainsKey("budgets[0].alertAt[2]"));
    }

    [Fact]
    public async Task ConsoleBell_CountsUnread_AndMarksRead()
    {
        var s = await fixture.ScenarioAsync("anthropic", "bell", "bell-model");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 100, cadence = "weekly", alertAt = new[] { 50 } } } });
        Spend(s.TeamId, s.DeveloperId, 60);
        var bell = Service<ConsoleNotifications>();
        var published = 0;
        bell.Changed += () => published++;

        Assert.Equal(1, await FiredForAsync(s.TeamId));
        var (items, unread) = await bell.ForUserAsync("user-a", allTeams: true, 50, CancellationToken.None);
        var mine = Assert.Single(items, n => n.TeamId == s.TeamId);
        await bell.MarkReadAsync("user-a", [mine.Id], CancellationToken.None);
        var (after, unreadAfter) = await bell.ForUserAsync("user-a", allTeams: true, 50, CancellationToken.None);
        var (other, otherUnread) = await bell.ForUserAsync("user-b", allTeams: true, 50, CancellationToken.None);
        var (outsider, _) = await bell.ForUserAsync("user-c", allTeams: false, 50, CancellationToken.None);

        Assert.True(published >= 1);
        Assert.False(mine.Read);
        Assert.Contains("50 %", mine.Title);
        Assert.Equal(unread - 1, unreadAfter);
        Assert.True(after.Single(n => n.Id == mine.Id).Read);
        Assert.False(other.Single(n => n.Id == mine.Id).Read);
        Assert.Equal(unread, otherUnread);
        Assert.Empty(outsider);
    }
}
