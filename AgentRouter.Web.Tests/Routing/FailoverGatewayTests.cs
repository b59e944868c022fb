using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Routing;

/// <summary>A model with several targets, through the gateway: failover before the first byte, never after it, weights,
/// and the breaker on the application's fake clock. Each test has its own fakes, so breakers never overlap.</summary>
public sealed class FailoverGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>, IAsyncLifetime
{
    private readonly List<FakeProvider> _fakes = [];

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var fake in _fakes)
            await fake.DisposeAsync();
    }

    private async Task<FakeProvider> FakeAsync()
    {
        var fake = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        _fakes.Add(fake);
        return fake;
    }

    /// <summary>A team whose model "sonnet" has one target per base URL: (base URL, upstream model, priority, weight).</summary>
    private async Task<(AdminClient Admin, Guid TeamId, string Key, Guid[] Accounts)> TeamAsync(params (string BaseUrl, string Model, int Priority, int Weight)[] targets)
    {
        var admin = fixture.Router.Admin();
        var accounts = new Guid[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            accounts[i] = await admin.CreateProviderAsync("anthropic", targets[i].BaseUrl, $"sk-ant-{i}-{Guid.NewGuid():N}");
            await admin.PriceAsync(targets[i].Model);
        }
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new[]
            {
                new
                {
                    name = "sonnet",
                    targets = targets.Select((t, i) => new { providerId = accounts[i], upstreamModel = t.Model, priority = t.Priority, weight = t.Weight }),
                },
            },
        });
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (_, key) = await admin.CreateKeyAsync(teamId, developerId);
        return (admin, teamId, key, accounts);
    }

    private static HttpRequestMessage Call(string key, bool stream = false) => Requests.Anthropic(key, Requests.Message("sonnet", stream));

    [Fact]
    public async Task A503BeforeTheFirstByte_FailsOverToTheNextTarget()
    {
        var (primary, backup) = (await FakeAsync(), await FakeAsync());
        primary.Failure = (503, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
        backup.ReplyText = "From the backup.";
        backup.Usage = new FakeUsage(30, 11);
        var (_, _, key, accounts) = await TeamAsync((primary.BaseUrl, "sonnet-primary", 0, 1), (backup.BaseUrl, "sonnet-backup", 1, 1));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("From the backup.", body);
        Assert.DoesNotContain("overloaded", body, StringComparison.OrdinalIgnoreCase);
        // Each fake got the request once, with its own pinned model and its own account's key.
        Assert.Equal("sonnet-primary", Assert.Single(primary.Requests).BodyJson().GetProperty("model").GetString());
        var served = Assert.Single(backup.Requests);
        Assert.Equal("sonnet-backup", served.BodyJson().GetProperty("model").GetString());
        Assert.StartsWith("sk-ant-1-", served.Headers["x-api-key"]);
        Assert.Equal("Hello", served.BodyJson().GetProperty("messages")[0].GetProperty("content").GetString());
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((2, accounts[1], "sonnet-backup", 30L, 11L, 200), (record.Attempts, record.ProviderAccountId!.Value, record.UpstreamModel, record.InputTokens, record.OutputTokens, record.Status));
        Assert.Contains("sonnet-primary 503", record.Failovers);
        Assert.Null(record.Error);
    }

    [Fact]
    public async Task AnUnreachableTarget_FailsOverToTheNextTarget()
    {
        var backup = await FakeAsync();
        var (_, _, key, accounts) = await TeamAsync((ClosedPortUrl(), "sonnet-gone", 0, 1), (backup.BaseUrl, "sonnet-there", 1, 1));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(backup.Requests);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((2, accounts[1]), (record.Attempts, record.ProviderAccountId!.Value));
        Assert.Contains("sonnet-gone unreachable", record.Failovers);
    }

    [Fact]
    public async Task ATargetOfAnotherKind_ThatReshapedTheBody_LeavesTheNextTargetTheBodyAsRead()
    {
        // Bedrock's adapter replaces the whole body (no model, its anthropic_version); the Anthropic backup must not get that.
        var backup = await FakeAsync();
        var admin = fixture.Router.Admin();
        var bedrock = (await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new
        {
            name = $"bedrock-gone-{Guid.NewGuid():N}", kind = "bedrock", baseUrl = ClosedPortUrl(), settings = new { region = "us-east-1" },
            credential = new { accessKeyId = "AKIAFAILOVER0000TEST", secretAccessKey = "failover-secret-key" },
        }, HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var anthropic = await admin.CreateProviderAsync("anthropic", backup.BaseUrl, $"sk-ant-backup-{Guid.NewGuid():N}");
        await admin.PriceAsync("us.anthropic.claude-failover-v1:0");
        await admin.PriceAsync("claude-failover-direct");
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new[]
            {
                new
                {
                    name = "sonnet",
                    targets = new[]
                    {
                        new { providerId = bedrock, upstreamModel = "us.anthropic.claude-failover-v1:0", priority = 0, weight = 1 },
                        new { providerId = anthropic, upstreamModel = "claude-failover-direct", priority = 1, weight = 1 },
                    },
                },
            },
        });
        var (_, key) = await admin.CreateKeyAsync(teamId, await admin.CreateDeveloperAsync(teamId));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Assert.Single(backup.Requests).BodyJson();
        Assert.Equal("claude-failover-direct", served.GetProperty("model").GetString());
        Assert.False(served.TryGetProperty("anthropic_version", out _));
        Assert.Equal("Hello", served.GetProperty("messages")[0].GetProperty("content").GetString());
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((2, anthropic), (record.Attempts, record.ProviderAccountId!.Value));
    }

    [Fact]
    public async Task NothingIsRetriedAfterTheFirstByte()
    {
        var (primary, backup) = (await FakeAsync(), await FakeAsync());
        primary.BreakMidStream = true;
        var (_, _, key, accounts) = await TeamAsync((primary.BaseUrl, "sonnet-breaks", 0, 1), (backup.BaseUrl, "sonnet-idle", 1, 1));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key, stream: true), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());

        var record = await fixture.Router.Usage.For(response);
        Assert.Single(primary.Requests);
        Assert.Empty(backup.Requests);
        Assert.Equal((1, accounts[0], "upstream_failed_mid_response"), (record.Attempts, record.ProviderAccountId!.Value, record.Error));
    }

    [Fact]
    public async Task TheLastTargetsFailure_ReachesTheClientAsItCame()
    {
        var (first, last) = (await FakeAsync(), await FakeAsync());
        first.Failure = (500, """{"type":"error","error":{"type":"api_error","message":"first broke"}}""");
        last.Failure = (529, """{"type":"error","error":{"type":"overloaded_error","message":"last overloaded"}}""");
        var (_, _, key, _) = await TeamAsync((first.BaseUrl, "sonnet-a", 0, 1), (last.BaseUrl, "sonnet-b", 1, 1));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key));

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Contains("last overloaded", await response.Content.ReadAsStringAsync());
        Assert.Single(first.Requests);
        Assert.Single(last.Requests);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((2, 529), (record.Attempts, record.Status));
        Assert.Contains("sonnet-a 500", record.Failovers);
    }

    [Fact]
    public async Task AClientError_IsNotRetried()
    {
        var (primary, backup) = (await FakeAsync(), await FakeAsync());
        primary.Failure = (400, """{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}""");
        var (_, _, key, _) = await TeamAsync((primary.BaseUrl, "sonnet-strict", 0, 1), (backup.BaseUrl, "sonnet-lax", 1, 1));

        using var response = await fixture.Router.Gateway().SendAsync(Call(key));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(backup.Requests);
        Assert.Null((await fixture.Router.Usage.For(response)).Failovers);
    }

    [Fact]
    public async Task AFailingTarget_IsRestedByItsBreaker_AndTriedAgainAfterTheBreak()
    {
        var (flaky, steady) = (await FakeAsync(), await FakeAsync());
        flaky.Failure = (503, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
        var (admin, teamId, key, _) = await TeamAsync((flaky.BaseUrl, "sonnet-flaky", 0, 1), (steady.BaseUrl, "sonnet-steady", 1, 1));

        // Four failures in a row (the default minimum throughput) open the breaker.
        for (var i = 0; i < 4; i++)
        {
            using var failedOver = await fixture.Router.Gateway().SendAsync(Call(key));
            Assert.Equal(HttpStatusCode.OK, failedOver.StatusCode);
        }
        Assert.Equal(4, flaky.Requests.Count);

        using (var rested = await fixture.Router.Gateway().SendAsync(Call(key)))
        {
            Assert.Equal(HttpStatusCode.OK, rested.StatusCode);
            var record = await fixture.Router.Usage.For(rested);
            Assert.Equal(1, record.Attempts);
            Assert.Contains("sonnet-flaky resting", record.Failovers);
        }
        Assert.Equal(4, flaky.Requests.Count);
        var health = await admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{teamId}/targets");
        Assert.Equal("open", health["items"]![0]!["targets"]![0]!["state"]!.GetValue<string>());

        // After the break one trial goes through; it succeeds, so the breaker closes and the target serves again.
        flaky.Failure = null;
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(31));
        using (var trial = await fixture.Router.Gateway().SendAsync(Call(key)))
            Assert.Equal(1, (await fixture.Router.Usage.For(trial)).Attempts);
        Assert.Equal(5, flaky.Requests.Count);
        health = await admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{teamId}/targets");
        Assert.Equal("closed", health["items"]![0]!["targets"]![0]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task WhenEveryTargetRests_ATranslatedCallGets503InItsOwnDialect_WithoutAccountNames()
    {
        var (first, second) = (await FakeAsync(), await FakeAsync());
        first.Failure = second.Failure = (503, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");
        var (_, _, key, _) = await TeamAsync((first.BaseUrl, "sonnet-first", 0, 1), (second.BaseUrl, "sonnet-second", 1, 1));
        // An OpenAI client of the Anthropic targets: four failed calls open both breakers.
        HttpRequestMessage Chat() => Requests.OpenAI(key, new { model = "sonnet", messages = new[] { new { role = "user", content = "Hello" } } });
        for (var i = 0; i < 4; i++)
            using (var failed = await fixture.Router.Gateway().SendAsync(Chat()))
                Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        var sent = first.Requests.Count + second.Requests.Count;

        using var response = await fixture.Router.Gateway().SendAsync(Chat());
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Contains("No target of 'sonnet' could answer", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain("sonnet-first", body);
        Assert.Equal(sent, first.Requests.Count + second.Requests.Count);
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal(UsageErrors.TargetsUnavailable, record.Error);
        Assert.Contains("sonnet-first resting", record.Failovers);
    }

    [Fact]
    public async Task RequestsSpreadByWeight_WithinTheTopPriority()
    {
        var (heavy, light, standby) = (await FakeAsync(), await FakeAsync(), await FakeAsync());
        var (_, _, key, _) = await TeamAsync((heavy.BaseUrl, "sonnet-heavy", 0, 3), (light.BaseUrl, "sonnet-light", 0, 1), (standby.BaseUrl, "sonnet-standby", 1, 5));
        const int n = 300;

        for (var i = 0; i < n; i++)
        {
            using var response = await fixture.Router.Gateway().SendAsync(Call(key));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Binomial(300, 0.75): mean 225, standard deviation 7.5; six deviations either side. The standby never serves.
        Assert.InRange(heavy.Requests.Count, 180, 270);
        Assert.Equal(n, heavy.Requests.Count + light.Requests.Count);
        Assert.Empty(standby.Requests);
    }

    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
