using System.Net;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Gateway;

public sealed class OpenAIGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Pinned = "gpt-4.1-2025-04-14";

    private Task<Scenario> Scenario() => fixture.ScenarioAsync("openai", "gpt-4.1", Pinned);

    [Theory]
    [InlineData("authorization")]
    [InlineData("x-api-key")]
    public async Task Key_IsAccepted_AndTheProviderKeyIsInjectedAsBearer(string header)
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat(s.PublicName), header));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal("/v1/chat/completions", upstream.Path);
        Assert.Equal($"Bearer {s.ProviderKey}", upstream.Headers["authorization"]);
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        Assert.DoesNotContain(upstream.Headers.Values, v => v.Contains("ar_"));
        Assert.Equal(Pinned, upstream.BodyJson().GetProperty("model").GetString());
    }

    [Fact]
    public async Task NonStreamedAnswer_IsRecordedWithCachedAndReasoningTokensApart()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 900, Output: 400, CacheRead: 1100, Reasoning: 150);
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat(s.PublicName)));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal((900, 400, 0, 1100, 150), (record.InputTokens, record.OutputTokens, record.CacheWriteTokens, record.CacheReadTokens, record.ReasoningTokens));
        Assert.Equal((900 * 3m + 400 * 15m + 1100 * 0.30m) / 1_000_000m, record.CostUsd);
        Assert.Equal("openai.chat", record.Surface);
    }

    [Fact]
    public async Task StreamWithoutIncludeUsage_AsksTheProviderForUsage_AndHidesThatChunkFromTheClient()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 30, Output: 12);
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat(s.PublicName, stream: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.True(s.Fake.LastRequest.BodyJson().GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.DoesNotContain("\"prompt_tokens\"", body);
        Assert.DoesNotContain("\"choices\":[]", body);
        // The provider's stream ends with [DONE]; the router's cost comment follows it (SSE clients ignore comments).
        Assert.EndsWith("data: [DONE]\n\n", body[..body.IndexOf(": x-agentrouter-cost-usd=", StringComparison.Ordinal)]);
        Assert.Equal((30, 12), (record.InputTokens, record.OutputTokens));
        Assert.True(record.Streamed);
    }

    [Fact]
    public async Task StreamWithIncludeUsage_PassesTheUsageChunkToTheClient()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 31, Output: 13);
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat(s.PublicName, stream: true, includeUsage: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Contains("\"prompt_tokens\":31", body);
        Assert.Equal((31, 13), (record.InputTokens, record.OutputTokens));
    }

    [Fact]
    public async Task StreamOptionsWithoutIncludeUsage_AreMerged_AndTheChunkWithheld()
    {
        var s = await Scenario();
        var body = $"{{\"model\":\"{s.PublicName}\",\"stream\":true,\"stream_options\":{{\"include_obfuscation\":false}},\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}]}}";
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, body));
        var text = await response.Content.ReadAsStringAsync();

        var options = s.Fake.LastRequest.BodyJson().GetProperty("stream_options");
        Assert.True(options.GetProperty("include_usage").GetBoolean());
        Assert.False(options.GetProperty("include_obfuscation").GetBoolean());
        Assert.DoesNotContain("\"prompt_tokens\"", text);
    }

    [Fact]
    public async Task UnapprovedModel_Is403InOpenAIsShape()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat("o3")));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model_not_allowed", error.GetProperty("code").GetString());
        Assert.Contains("gpt-4.1", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnthropicModel_OnTheOpenAIEndpoint_IsTranslated()
    {
        var s = await Scenario();
        var anthropic = await s.Admin.CreateProviderAsync("anthropic", fixture.Anthropic.BaseUrl, "sk-ant");
        await s.Admin.PriceAsync("claude-haiku-4-5-20251001");
        await s.Admin.PutProfileAsync(s.TeamId, (s.PublicName, s.ProviderId, Pinned), ("claude-haiku", anthropic, "claude-haiku-4-5-20251001"));

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat("claude-haiku")));
        var answer = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/messages", fixture.Anthropic.LastRequest.Path);
        Assert.Equal("chat.completion", answer.GetProperty("object").GetString());
        Assert.Equal("claude-haiku", answer.GetProperty("model").GetString());
    }

    [Fact]
    public async Task Models_ListsTheTeamsModels_InOpenAIsShape()
    {
        var s = await Scenario();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.Authorization = new("Bearer", s.Key);
        using var response = await s.Client.SendAsync(request);
        var list = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal("list", list.GetProperty("object").GetString());
        var model = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal(("gpt-4.1", "model"), (model.GetProperty("id").GetString(), model.GetProperty("object").GetString()));
    }

    [Theory]
    [InlineData("not json", HttpStatusCode.BadRequest)]
    [InlineData("{\"messages\":[]}", HttpStatusCode.BadRequest)]
    public async Task BadInput_IsAClearErrorInOpenAIsShape(string body, HttpStatusCode status)
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, body));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task UnknownKey_Is401InOpenAIsShape()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.OpenAI("ar_team_wrong", Requests.Chat(s.PublicName)));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnsupportedPath_Is404InOpenAIsShape()
    {
        var s = await Scenario();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = Requests.Json(new { model = "x", input = "y" }) };
        request.Headers.Authorization = new("Bearer", s.Key);
        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("code").GetString());
    }
}
