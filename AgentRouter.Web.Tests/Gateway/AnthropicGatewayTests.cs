using System.Net;
using System.Text.Json;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Gateway;

public sealed class AnthropicGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Pinned = "claude-sonnet-4-5-20250929";

    private Task<Scenario> Scenario() => fixture.ScenarioAsync("anthropic", "claude-sonnet-4-5", Pinned);

    [Theory]
    [InlineData("x-api-key")]
    [InlineData("authorization")]
    public async Task Key_InEitherHeader_IsAccepted_AndOnlyTheProviderKeyTravelsUpstream(string header)
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName), header));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal(s.ProviderKey, upstream.Headers["x-api-key"]);
        Assert.False(upstream.Headers.ContainsKey("authorization"));
        Assert.DoesNotContain(upstream.Headers.Values, v => v.Contains("ar_"));
        Assert.Equal("2023-06-01", upstream.Headers["anthropic-version"]);
    }

    [Fact]
    public async Task ClaudeCode_SendingBothHeaders_IsIdentifiedByItsRouterKey()
    {
        var s = await Scenario();
        var request = Requests.Anthropic(s.Key, Requests.Message(s.PublicName));
        request.Headers.Authorization = new("Bearer", s.Key);
        request.Headers.UserAgent.ParseAdd("claude-cli/2.0.14 (external, cli)");
        request.Headers.Add("x-claude-code-session-id", "session-42");
        request.Headers.Add("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14");

        using var response = await s.Client.SendAsync(request);
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("claude-code", record.Agent);
        Assert.Equal("session-42", record.SessionId);
        Assert.Equal("claude-code-20250219,interleaved-thinking-2025-05-14", s.Fake.LastRequest.Headers["anthropic-beta"]);
        Assert.DoesNotContain(s.Fake.LastRequest.Headers.Values, v => v.Contains("ar_"));
    }

    [Fact]
    public async Task PublicName_IsRewrittenToThePinnedVersion_AndTheRestOfTheBodyIsUntouched()
    {
        var s = await Scenario();
        const string tail = "\"max_tokens\":1024,\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"metadata\":{\"user_id\":\"u1\"}}";
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, "{\"model\":\"claude-sonnet-4-5\"," + tail));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"model\":\"" + Pinned + "\"," + tail, s.Fake.LastRequest.Body);
    }

    [Fact]
    public async Task BetaQuery_IsForwarded()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName), path: "/v1/messages?beta=true"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/messages", s.Fake.LastRequest.Path);
        Assert.Equal("?beta=true", s.Fake.LastRequest.QueryString);
    }

    [Fact]
    public async Task UnapprovedModel_Is403InAnthropicsShape_NamingTheApprovedModels()
    {
        var s = await Scenario();
        var before = s.Fake.Requests.Count;
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude-opus-4-1")));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("permission_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("claude-sonnet-4-5", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(before, s.Fake.Requests.Count);
        Assert.Equal("model_not_approved", (await fixture.Router.Usage.For(response)).Error);
    }

    [Fact]
    public async Task PinnedUpstreamId_IsAcceptedAsTheSameModel()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(Pinned)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NonStreamedAnswer_IsRecordedWithExactTokensIncludingCache_AndPricedPerKind()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 1200, Output: 345, CacheWrite: 5000, CacheRead: 80000);
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((1200, 345, 5000, 80000), (record.InputTokens, record.OutputTokens, record.CacheWriteTokens, record.CacheReadTokens));
        // $3 in, $15 out, $3.75 cache write, $0.30 cache read per million tokens.
        Assert.Equal((1200 * 3m + 345 * 15m + 5000 * 3.75m + 80000 * 0.30m) / 1_000_000m, record.CostUsd);
        Assert.Equal((s.TeamId, s.DeveloperId, s.KeyId), (record.TeamId, record.DeveloperId, record.ApiKeyId));
        Assert.Equal(("claude-sonnet-4-5", Pinned, s.ProviderId), (record.RequestedModel, record.UpstreamModel, record.ProviderAccountId));
        Assert.Equal("anthropic.messages", record.Surface);
        Assert.False(record.Streamed);
        Assert.Equal(200, record.Status);
    }

    [Fact]
    public async Task StreamedAnswer_IsRecordedWithExactTokens()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 50, Output: 777, CacheWrite: 10, CacheRead: 2000);
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Contains("event: message_stop", body);
        Assert.Equal((50, 777, 10, 2000), (record.InputTokens, record.OutputTokens, record.CacheWriteTokens, record.CacheReadTokens));
        Assert.True(record.Streamed);
        Assert.NotNull(record.TimeToFirstByteMs);
    }

    [Fact]
    public async Task ClientDisconnectingMidStream_StillYieldsARecordOfWhatWasSeen()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 4321, Output: 99);
        s.Fake.ResetStreamEnded();
        var never = new TaskCompletionSource();
        s.Fake.HoldAfterFirstEvent = never.Task;

        var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var requestId = response.Headers.GetValues("x-agentrouter-request-id").Single();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Contains("message_start", await Requests.ReadEventAsync(reader));
        response.Dispose();

        var record = await fixture.Router.Usage.For(requestId);
        Assert.Equal(4321, record.InputTokens);
        Assert.Equal("client_disconnected", record.Error);
        Assert.Equal(FakeStreamEnd.ClientGone, await s.Fake.StreamEnded.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task UpstreamFailingMidStream_IsRecordedWithWhatWasSeen()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 321, Output: 5);
        s.Fake.BreakMidStream = true;
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var requestId = response.Headers.GetValues("x-agentrouter-request-id").Single();
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync());

        var record = await fixture.Router.Usage.For(requestId);
        Assert.Equal(321, record.InputTokens);
        Assert.Equal("upstream_failed_mid_response", record.Error);
    }

    [Fact]
    public async Task UpstreamError_PassesThroughWithItsStatusAndBody()
    {
        var s = await Scenario();
        const string overloaded = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}";
        s.Fake.Failure = (529, overloaded);
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal(overloaded, await response.Content.ReadAsStringAsync());
        Assert.Equal(529, (await fixture.Router.Usage.For(response)).Status);
    }

    [Fact]
    public async Task UnreachableProvider_Is502InAnthropicsShape_AndRecorded()
    {
        var s = await Scenario();
        var dead = await s.Admin.CreateProviderAsync("anthropic", "http://127.0.0.1:1", "sk-ant-dead");
        await s.Admin.PutProfileAsync(s.TeamId, (s.PublicName, dead, Pinned));
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("api_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("upstream_unreachable", (await fixture.Router.Usage.For(response)).Error);
    }

    [Fact]
    public async Task CountTokens_IsForwardedWithThePinnedModel_AndBillsNothing()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName), path: "/v1/messages/count_tokens"));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/messages/count_tokens", s.Fake.LastRequest.Path);
        Assert.Equal(Pinned, s.Fake.LastRequest.BodyJson().GetProperty("model").GetString());
        Assert.Equal((0L, 0m), (record.TotalTokens, record.CostUsd));
    }

    [Fact]
    public async Task Models_ListsEveryModelTheTeamCanCall_TranslatedOrNot_InAnthropicsShape()
    {
        var s = await Scenario();
        var openAi = await s.Admin.CreateProviderAsync("openai", fixture.OpenAI.BaseUrl, "sk-openai");
        await s.Admin.PriceAsync("gpt-4.1-2025-04-14");
        await s.Admin.PutProfileAsync(s.TeamId, (s.PublicName, s.ProviderId, Pinned), ("gpt-4.1", openAi, "gpt-4.1-2025-04-14"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Add("x-api-key", s.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");

        using var response = await s.Client.SendAsync(request);
        var list = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The OpenAI model is reached through translation, so Claude Code may pick it too.
        Assert.Equal(["claude-sonnet-4-5", "gpt-4.1"], list.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).Order());
        Assert.All(list.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("type").GetString()));
        Assert.False(list.GetProperty("has_more").GetBoolean());
    }

    [Theory]
    [InlineData("{\"model\":\"claude-sonnet-4-5\",", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("[1,2,3]", HttpStatusCode.BadRequest, "invalid_request_error")]
    [InlineData("{\"max_tokens\":5,\"messages\":[]}", HttpStatusCode.BadRequest, "invalid_request_error")]
    public async Task BadInput_IsAClearErrorInAnthropicsShape(string body, HttpStatusCode status, string type)
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, body));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(type, error.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task BodyOverTheLimit_Is413InAnthropicsShape()
    {
        var s = await Scenario();
        var huge = new string('x', RouterFactory.MaxBodyBytes + 10);
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, text: huge)));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("request_too_large", error.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ClaudeCodeSizedBody_PassesIntact()
    {
        var s = await Scenario();
        var tools = Enumerable.Range(0, 40).Select(i => new { name = $"tool_{i}", description = new string('d', 1500), input_schema = new { type = "object" } });
        var body = JsonSerializer.Serialize(new { model = s.PublicName, max_tokens = 32000, system = new[] { new { type = "text", text = new string('s', 20000) } }, tools, messages = new object[] { new { role = "system", content = "inline system" }, new { role = "user", content = "go" } } });
        Assert.InRange(body.Length, 75_000, 115_000);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.Replace($"\"model\":\"{s.PublicName}\"", $"\"model\":\"{Pinned}\""), s.Fake.LastRequest.Body);
    }

    [Fact]
    public async Task UnsupportedPath_Is404InAnthropicsShape()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, "{}", path: "/v1/complete"));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found_error", error.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ar_nope_notakey")]
    [InlineData("sk-ant-api03-not-ours")]
    public async Task MissingOrUnknownKey_Is401InAnthropicsShape(string? key)
    {
        var s = await Scenario();
        var request = Requests.Anthropic(key ?? "", Requests.Message(s.PublicName));
        if (key is null)
            request.Headers.Remove("x-api-key");
        using var response = await s.Client.SendAsync(request);
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("authentication_error", error.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ExpiredKey_Is401WithTheSameAnswerAsAnUnknownOne()
    {
        var s = await Scenario();
        var (_, expiring) = await s.Admin.CreateKeyAsync(s.TeamId, s.DeveloperId, fixture.Router.Clock.GetUtcNow().AddHours(1));
        using var fresh = await s.Client.SendAsync(Requests.Anthropic(expiring, Requests.Message(s.PublicName)));
        using var unknown = await s.Client.SendAsync(Requests.Anthropic("ar_x_unknown", Requests.Message(s.PublicName)));

        fixture.Router.Clock.Advance(TimeSpan.FromHours(2));
        using var expired = await s.Client.SendAsync(Requests.Anthropic(expiring, Requests.Message(s.PublicName)));

        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, expired.StatusCode);
        Assert.Equal(
            AdminClient.Json(await unknown.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("message").GetString(),
            AdminClient.Json(await expired.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task OAuthTokenWithoutRouterKey_Is401ExplainingTheHeaderToAdd()
    {
        var s = await Scenario();
        var request = Requests.Anthropic("sk-ant-oat01-abc", Requests.Message(s.PublicName), "authorization");
        using var response = await s.Client.SendAsync(request);
        var message = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("message").GetString();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("x-agent-router-key", message);
    }

    [Fact]
    public async Task HeadOnTheBaseUrl_Answers200WithoutCredentials()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
