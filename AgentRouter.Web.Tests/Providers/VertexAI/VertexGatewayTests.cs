using System.Net;
using System.Text.Json;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>One router and one fake Google Cloud (token endpoint and Vertex AI) sharing the router's fake clock.</summary>
public sealed class VertexFixture : IAsyncLifetime
{
    public RouterFactory Router { get; } = new();
    public FakeGoogleCloud Google { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Google = await FakeGoogleCloud.StartAsync(Router.Clock);
        Router.EnsureStarted();
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await Google.DisposeAsync();
    }
}

/// <summary>Claude and Gemini served through a Vertex AI account: the exact upstream requests, the minted bearer token,
/// usage and cost, and a key Google refuses.</summary>
public sealed class VertexGatewayTests(VertexFixture fixture) : IClassFixture<VertexFixture>
{
    private const string Claude = "claude-sonnet-4-5@20250929";
    private const string Gemini = "gemini-2.5-pro";
    private const string Root = "/v1/projects/acme-ai-prod/locations/us-east5/publishers";

    private FakeGoogleCloud Google => fixture.Google;

    private sealed record VertexScenario(AdminClient Admin, HttpClient Client, Guid ProviderId, string ProviderName, TestServiceAccount Account, string Key);

    private async Task<VertexScenario> ScenarioAsync(object? settings = null)
    {
        var admin = fixture.Router.Admin();
        var account = new TestServiceAccount(Google.TokenUri);
        Google.Register(account);
        var name = $"Vertex {Guid.NewGuid():N}"[..15];
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new
        {
            name, kind = "vertex-ai", baseUrl = Google.Origin,
            settings = settings ?? new { projectId = "acme-ai-prod", location = "us-east5" },
            credential = JsonSerializer.Deserialize<JsonElement>(account.Json),
        }, HttpStatusCode.Created);
        var providerId = created["id"]!.GetValue<Guid>();
        await admin.PriceAsync(Claude);
        await admin.PriceAsync(Gemini, input: 1.25m, output: 10m, cacheRead: 0.31m);
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("claude-sonnet-4-5", providerId, Claude), ("gemini-pro", providerId, Gemini));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (_, key) = await admin.CreateKeyAsync(teamId, developerId);
        Google.Claude.Usage = new FakeUsage(12, 7);
        Google.Gemini.Usage = new FakeUsage(12, 7);
        Google.Refusal = null;
        return new VertexScenario(admin, fixture.Router.Gateway(), providerId, name, account, key);
    }

    [Theory]
    [InlineData(false, "rawPredict")]
    [InlineData(true, "streamRawPredict")]
    public async Task Claude_GoesToRawPredict_WithAMintedToken_AndTheVertexBody(bool stream, string method)
    {
        var s = await ScenarioAsync();
        Google.Claude.Usage = new FakeUsage(1200, 350, CacheWrite: 2000, CacheRead: 50_000);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-sonnet-4-5", stream)));
        var answer = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);
        var upstream = Google.LastRequest;
        var body = upstream.BodyJson();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Root}/anthropic/models/{Claude}:{method}", upstream.Path);
        Assert.Equal("", upstream.QueryString);
        Assert.StartsWith("Bearer ya29.fake-", upstream.Headers["authorization"]);
        Assert.Contains(upstream.Headers["authorization"][7..], Google.IssuedTokens);
        Assert.Equal("vertex-2023-10-16", body.GetProperty("anthropic_version").GetString());
        Assert.False(body.TryGetProperty("model", out _));
        Assert.Equal(stream, body.TryGetProperty("stream", out var flag) && flag.GetBoolean());
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        Assert.DoesNotContain(upstream.Headers.Values, v => v.Contains("ar_"));
        Assert.Contains("Hello from the fake.", stream ? string.Concat(answer.Split('\n').Where(l => l.Contains("text_delta"))
            .Select(l => JsonSerializer.Deserialize<JsonElement>(l[6..]).GetProperty("delta").GetProperty("text").GetString())) : answer);
        Assert.Equal((1200L, 350L, 2000L, 50_000L), (record.InputTokens, record.OutputTokens, record.CacheWriteTokens, record.CacheReadTokens));
        // $3 in, $15 out, $3.75 cache write, $0.30 cache read per million tokens.
        Assert.Equal(0.03135m, record.CostUsd);
        Assert.Equal((Claude, s.ProviderId, stream, (string?)null), (record.UpstreamModel, record.ProviderAccountId, record.Streamed, record.Error));
    }

    [Fact]
    public async Task CountTokens_GoesToCountTokens_WithThePinnedModelInTheBody()
    {
        var s = await ScenarioAsync();

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, new { model = "claude-sonnet-4-5", messages = new[] { new { role = "user", content = "hi" } } },
            path: "/v1/messages/count_tokens"));
        var answer = AdminClient.Json(await response.Content.ReadAsStringAsync());
        var upstream = Google.LastRequest;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(12, answer.GetProperty("input_tokens").GetInt32());
        Assert.Equal($"{Root}/anthropic/models/count-tokens:rawPredict", upstream.Path);
        Assert.Equal(Claude, upstream.BodyJson().GetProperty("model").GetString());
        Assert.Equal("vertex-2023-10-16", upstream.BodyJson().GetProperty("anthropic_version").GetString());
        Assert.StartsWith("Bearer ya29.fake-", upstream.Headers["authorization"]);
    }

    [Theory]
    [InlineData("generateContent", "", "")]
    [InlineData("streamGenerateContent", "?alt=sse", "?alt=sse")]
    [InlineData("streamGenerateContent", "", "")]
    [InlineData("countTokens", "", "")]
    public async Task Gemini_GoesToGooglesPublisher_WithAMintedToken(string method, string query, string forwarded)
    {
        var s = await ScenarioAsync();
        Google.Gemini.Usage = new FakeUsage(400, 90, CacheRead: 100);

        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, "gemini-pro", method, Requests.Contents(), query: query));
        var answer = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);
        var upstream = Google.LastRequest;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{Root}/google/models/{Gemini}:{method}", upstream.Path);
        Assert.Equal(forwarded, upstream.QueryString);
        Assert.Contains(upstream.Headers["authorization"][7..], Google.IssuedTokens);
        Assert.False(upstream.Headers.ContainsKey("x-goog-api-key"));
        Assert.DoesNotContain("ar_", upstream.QueryString + string.Join(' ', upstream.Headers.Values));
        if (method == "countTokens")
        {
            Assert.Contains("\"totalTokens\":400", answer);
            return;
        }
        Assert.Contains("Hello", answer);
        Assert.Equal((400L, 90L, 100L), (record.InputTokens, record.OutputTokens, record.CacheReadTokens));
        // $1.25 in, $10 out, $0.31 cache read per million tokens.
        Assert.Equal((400 * 1.25m + 90 * 10m + 100 * 0.31m) / 1_000_000m, record.CostUsd);
        Assert.Equal(method == "streamGenerateContent", record.Streamed);
    }

    [Fact]
    public async Task ClaudeCodesRequest_IsServedThroughVertex_WithExactUsage()
    {
        var s = await ScenarioAsync(new
        {
            projectId = "acme-ai-prod", location = "us-east5",
            acceptedBetas = new[] { "interleaved-thinking-2025-05-14", "fine-grained-tool-streaming-2025-05-14" },
        });
        Google.Claude.Usage = new FakeUsage(3, 512, CacheWrite: 14_000, CacheRead: 21_000, CacheWrite1h: 0);
        // Claude Code's shape: system blocks with cache control, a long tool list, metadata, thinking, a stream.
        var tools = Enumerable.Range(0, 40).Select(i => new
        {
            name = $"mcp__tool_{i}", description = new string('d', 900),
            input_schema = new { type = "object", properties = new { path = new { type = "string" } }, required = new[] { "path" } },
        });
        var body = JsonSerializer.Serialize(new
        {
            model = "claude-sonnet-4-5", max_tokens = 32000, stream = true,
            system = new object[]
            {
                new { type = "text", text = "You are Claude Code, Anthropic's official CLI for Claude." },
                new { type = "text", text = new string('s', 12_000), cache_control = new { type = "ephemeral" } },
            },
            tools,
            messages = new object[] { new { role = "user", content = new object[] { new { type = "text", text = "fix the failing test", cache_control = new { type = "ephemeral" } } } } },
            metadata = new { user_id = "user_abc_account_def_session_123" },
            thinking = new { type = "enabled", budget_tokens = 8000 },
        });
        var request = Requests.Anthropic(s.Key, body, path: "/v1/messages?beta=true");
        request.Headers.UserAgent.ParseAdd("claude-cli/2.0.14 (external, cli)");
        request.Headers.Add("x-claude-code-session-id", "session-vertex-1");
        request.Headers.Add("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14");
        request.Headers.Add("x-stainless-lang", "js");

        using var response = await s.Client.SendAsync(request);
        var answer = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);
        var upstream = Google.LastRequest;
        var sent = upstream.BodyJson();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: message_stop", answer);
        Assert.Equal($"{Root}/anthropic/models/{Claude}:streamRawPredict", upstream.Path);
        Assert.Equal("", upstream.QueryString);
        Assert.Equal("interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14", upstream.Headers["anthropic-beta"]);
        Assert.Equal("session-vertex-1", upstream.Headers["x-claude-code-session-id"]);
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        // Every member but the model arrives byte for byte after the version.
        Assert.Equal("{\"anthropic_version\":\"vertex-2023-10-16\"," + body[(body.IndexOf(",\"max_tokens\"", StringComparison.Ordinal) + 1)..], upstream.Body);
        Assert.Equal(40, sent.GetProperty("tools").GetArrayLength());
        Assert.Equal(("claude-code", "session-vertex-1", true), (record.Agent, record.SessionId, record.Streamed));
        Assert.Equal((3L, 512L, 14_000L, 21_000L), (record.InputTokens, record.OutputTokens, record.CacheWriteTokens, record.CacheReadTokens));
        Assert.Equal((3 * 3m + 512 * 15m + 14_000 * 3.75m + 21_000 * 0.30m) / 1_000_000m, record.CostUsd);
    }

    [Fact]
    public async Task TokensAreCached_AcrossRequestsAndPolicyReloads_AndARotatedKeyMintsAnew()
    {
        var s = await ScenarioAsync();
        var before = Google.TokenRequests;

        using (var first = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-sonnet-4-5"))))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var firstToken = Google.LastRequest.Headers["authorization"];
        // An unrelated admin change rebuilds the policy snapshot; the account's cached token survives it.
        await s.Admin.CreateTeamAsync();
        using (var second = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-sonnet-4-5"))))
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstToken, Google.LastRequest.Headers["authorization"]);
        Assert.Equal(before + 1, Google.TokenRequests);

        using var rotated = new TestServiceAccount(Google.TokenUri);
        Google.Register(rotated);
        var view = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{s.ProviderId}/credential", new { credential = JsonSerializer.Deserialize<JsonElement>(rotated.Json) });
        using (var third = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-sonnet-4-5"))))
            Assert.Equal(HttpStatusCode.OK, third.StatusCode);

        Assert.Equal("…" + rotated.KeyId[^4..], view["credentialHint"]!.GetValue<string>());
        Assert.NotEqual(firstToken, Google.LastRequest.Headers["authorization"]);
        Assert.Equal(before + 2, Google.TokenRequests);
    }

    [Fact]
    public async Task RefusedKey_Is502InTheCallersDialect_NamingTheAccount_AndShowsOnTheProviderPage()
    {
        var s = await ScenarioAsync();
        Google.Revoke(s.Account);
        var forwarded = Google.Requests.Count;

        using var anthropic = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-sonnet-4-5")));
        var anthropicError = AdminClient.Json(await anthropic.Content.ReadAsStringAsync());
        var record = await fixture.Router.Usage.For(anthropic);
        using var gemini = await s.Client.SendAsync(Requests.Gemini(s.Key, "gemini-pro", "generateContent", Requests.Contents()));
        var geminiError = AdminClient.Json(await gemini.Content.ReadAsStringAsync());
        var view = await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/providers/{s.ProviderId}");

        Assert.Equal(HttpStatusCode.BadGateway, anthropic.StatusCode);
        Assert.Equal("error", anthropicError.GetProperty("type").GetString());
        Assert.Contains($"'{s.ProviderName}'", anthropicError.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("invalid_grant", anthropicError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.BadGateway, gemini.StatusCode);
        Assert.Equal(502, geminiError.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains($"'{s.ProviderName}'", geminiError.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(("upstream_credential_refused", 502), (record.Error, record.Status));
        Assert.Equal(0, record.TotalTokens);
        Assert.Equal(forwarded, Google.Requests.Count);
        Assert.Contains("invalid_grant", view["lastError"]!.GetValue<string>());
    }

    [Fact]
    public async Task RefusedKey_OnTheFirstTarget_FailsOverToTheNextTarget_AndTheRecordSaysWhy()
    {
        var s = await ScenarioAsync();
        Google.Revoke(s.Account);
        await using var anthropic = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        anthropic.ReplyText = "From the Anthropic backup.";
        var backup = await s.Admin.CreateProviderAsync("anthropic", anthropic.BaseUrl, "sk-ant-backup-0123456789");
        await s.Admin.PriceAsync("claude-backup");
        var (teamId, _) = await s.Admin.CreateTeamAsync();
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new[]
            {
                new
                {
                    name = "claude-sonnet-4-5",
                    targets = new[]
                    {
                        new { providerId = s.ProviderId, upstreamModel = Claude, priority = 0, weight = 1 },
                        new { providerId = backup, upstreamModel = "claude-backup", priority = 1, weight = 1 },
                    },
                },
            },
        });
        var (_, key) = await s.Admin.CreateKeyAsync(teamId, await s.Admin.CreateDeveloperAsync(teamId));
        var forwarded = Google.Requests.Count;

        using var response = await s.Client.SendAsync(Requests.Anthropic(key, Requests.Message("claude-sonnet-4-5")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("From the Anthropic backup.", await response.Content.ReadAsStringAsync());
        Assert.Equal(forwarded, Google.Requests.Count);
        Assert.Equal("claude-backup", Assert.Single(anthropic.Requests).BodyJson().GetProperty("model").GetString());
        var record = await fixture.Router.Usage.For(response);
        Assert.Equal((backup, "claude-backup", 1), (record.ProviderAccountId!.Value, record.UpstreamModel, record.Attempts));
        Assert.Contains("refused: upstream_credential_refused", record.Failovers);
    }

    [Fact]
    public async Task TestConnection_MintsAToken_AndAsksVertexForTheProject()
    {
        var s = await ScenarioAsync();
        var providers = fixture.Router.Services.GetRequiredService<ProviderService>();

        var tested = await s.Admin.SendAsync(HttpMethod.Post, $"/api/admin/providers/{s.ProviderId}/test");
        var (ok, message) = (tested["ok"]!.GetValue<bool>(), tested["message"]!.GetValue<string>());
        var probe = Google.LastRequest;
        Google.Revoke(s.Account);
        fixture.Router.Clock.Advance(TimeSpan.FromHours(1));
        var (refusedOk, refused) = await providers.TestConnectionAsync(s.ProviderId, CancellationToken.None);

        Assert.True(ok, message);
        Assert.Contains("acme-ai-prod", message);
        Assert.Equal(("GET", "/v1/projects/acme-ai-prod/locations/us-east5/endpoints", "?pageSize=1"), (probe.Method, probe.Path, probe.QueryString));
        Assert.Contains(probe.Headers["authorization"][7..], Google.IssuedTokens);
        Assert.False(refusedOk);
        Assert.Contains("invalid_grant", refused);
    }

    [Fact]
    public async Task Create_RefusesBadSettingsAndKeys_ByField_AndNeverEchoesTheKey()
    {
        var admin = fixture.Router.Admin();
        using var account = new TestServiceAccount(Google.TokenUri);
        var key = JsonSerializer.Deserialize<JsonElement>(account.Json);

        var settings = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "vertex-bad-settings", kind = "vertex-ai", settings = new { projectId = "Not A Project", location = "moon" }, credential = key }, HttpStatusCode.BadRequest);
        var missing = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "vertex-no-settings", kind = "vertex-ai", credential = key }, HttpStatusCode.BadRequest);
        var notAKey = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "vertex-bad-key", kind = "vertex-ai", settings = new { projectId = "acme-ai-prod", location = "global" }, credential = new { type = "authorized_user" } }, HttpStatusCode.BadRequest);
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "vertex-global", kind = "vertex-ai", settings = new { projectId = "acme-ai-prod", location = "global" }, credential = key }, HttpStatusCode.Created);
        var listed = (await admin.ListAsync("/api/admin/providers")).ToJsonString();

        Assert.True(settings["errors"]!.AsObject().ContainsKey("settings.projectId"));
        Assert.True(settings["errors"]!.AsObject().ContainsKey("settings.location"));
        Assert.True(missing["errors"]!.AsObject().ContainsKey("settings"));
        Assert.Contains("service-account key", notAKey["errors"]!["credential"]![0]!.GetValue<string>());
        Assert.Equal(("vertex-ai", "https://aiplatform.googleapis.com", "global"),
            (created["kind"]!.GetValue<string>(), created["baseUrl"]!.GetValue<string>(), created["settings"]!["location"]!.GetValue<string>()));
        Assert.DoesNotContain("PRIVATE KEY", listed);
        Assert.DoesNotContain(account.KeyId, listed);
    }
}
