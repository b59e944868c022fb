using System.Net;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Gateway;

/// <summary><c>POST /v1/responses</c> against an OpenAI account: forwarded byte for byte but for the model, usage read
/// from the answer and from <c>response.completed</c>, errors in OpenAI's shape, the same strict reading.</summary>
public sealed class ResponsesGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Pinned = "gpt-5-codex-2025-09-15";

    private async Task<Scenario> Scenario()
    {
        var s = await fixture.ScenarioAsync("openai", "gpt-5-codex", Pinned);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{Pinned}",
            new { inputPerMTok = 1.25m, outputPerMTok = 10m, cacheReadPerMTok = 0.125m, contextWindow = 400_000, maxOutputTokens = 128_000 });
        return s;
    }

    /// <summary>What Codex CLI sends: instructions, full input with tool calls and their outputs, store false, reasoning.</summary>
    private static string CodexBody(string model, bool stream) =>
        """{"model":"MODEL","instructions":"You are Codex.","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"list files"}]},{"type":"function_call","call_id":"call_1","name":"shell","arguments":"{\"command\":[\"ls\"]}"},{"type":"function_call_output","call_id":"call_1","output":"a.txt\nb.txt"}],"tools":[{"type":"function","name":"shell","description":"Runs a command","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"]}}],"tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"},"store":false,"stream":STREAM,"include":["reasoning.encrypted_content"],"prompt_cache_key":"session-1"}"""
            .Replace("MODEL", model).Replace("STREAM", stream ? "true" : "false");

    private static HttpRequestMessage Responses(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = Requests.Json(body) };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.UserAgent.ParseAdd("codex_cli_rs/0.169.0 (Debian 13; x86_64) xterm-256color");
        return request;
    }

    [Fact]
    public async Task CodexRequest_IsForwardedByteForByte_ButForThePinnedModel()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 1000, Output: 300, CacheRead: 4000, Reasoning: 120);

        using var response = await s.Client.SendAsync(Responses(s.Key, CodexBody(s.PublicName, stream: false)));
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/responses", s.Fake.LastRequest.Path);
        Assert.Equal(CodexBody(Pinned, stream: false), s.Fake.LastRequest.Body);
        Assert.Equal($"Bearer {s.ProviderKey}", s.Fake.LastRequest.Headers["authorization"]);
        Assert.Equal("response", answer.GetProperty("object").GetString());
        Assert.Equal((1000, 300, 4000, 120), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.ReasoningTokens));
        Assert.Equal("openai.responses", record.Surface);
        Assert.Equal("codex", record.Agent);
        Assert.Equal((1000 * 1.25m + 300 * 10m + 4000 * 0.125m) / 1_000_000m, record.CostUsd);
    }

    [Fact]
    public async Task Stream_PassesEveryEvent_AndUsageComesFromResponseCompleted()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 50, Output: 20, CacheRead: 10, Reasoning: 5);

        using var response = await s.Client.SendAsync(Responses(s.Key, CodexBody(s.PublicName, stream: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CodexBody(Pinned, stream: true), s.Fake.LastRequest.Body);
        var events = body.Split("\n\n").Where(e => e.StartsWith("event: ")).Select(e => e["event: ".Length..e.IndexOf('\n')]).ToList();
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
            "response.output_item.done", "response.completed"], events);
        Assert.Equal((50, 20, 10, 5), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.ReasoningTokens));
        Assert.True(record.Streamed);
        Assert.False(record.UsageEstimated);
        Assert.Null(record.Error);
    }

    [Fact]
    public async Task StreamCutBeforeResponseCompleted_IsRecordedAsTruncated()
    {
        var s = await Scenario();
        s.Fake.BreakMidStream = true;
        try
        {
            using var response = await s.Client.SendAsync(Responses(s.Key, CodexBody(s.PublicName, stream: true)), HttpCompletionOption.ResponseHeadersRead);
            await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync());
            var record = await fixture.Router.Usage.For(response);
            Assert.True(record.UsageEstimated);
        }
        finally
        {
            s.Fake.BreakMidStream = false;
        }
    }

    [Fact]
    public async Task UnapprovedModel_Is403InOpenAIsShape()
    {
        var s = await Scenario();
        var before = s.Fake.Requests.Count;
        using var response = await s.Client.SendAsync(Responses(s.Key, CodexBody("o3-pro", stream: false)));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("model_not_allowed", error.GetProperty("code").GetString());
        Assert.Equal(before, s.Fake.Requests.Count);
    }

    [Theory]
    [InlineData("\"max_output_tokens\":\"100\",", "max_output_tokens")]
    [InlineData("\"max_output_tokens\":0,", "max_output_tokens")]
    [InlineData("\"max_output_tokens\":128001,", "max_output_tokens")]
    [InlineData("\"max_output_tokens\":10,\"max_output_tokens\":100000,", "max_output_tokens")]
    [InlineData("\"Max_Output_Tokens\":10,", "Max_Output_Tokens")]
    [InlineData("\"m\\u006fdel\":\"o3-pro\",", "model")]
    [InlineData("\"stream\":\"yes\",", "stream")]
    public async Task AmbiguousOrMistypedBody_IsRefusedInOpenAIsShape_AndNothingIsForwarded(string extra, string mentioning)
    {
        var s = await Scenario();
        var before = s.Fake.Requests.Count;
        var body = "{" + extra + $"\"model\":\"{s.PublicName}\",\"input\":\"hi\"}}";

        using var response = await s.Client.SendAsync(Responses(s.Key, body));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(mentioning, error.GetProperty("message").GetString());
        Assert.Equal(before, s.Fake.Requests.Count);
        Assert.Equal(UsageErrors.InvalidRequest, (await fixture.Router.Usage.For(response)).Error);
    }

    [Fact]
    public async Task GetOnTheEndpoint_SaysItTakesPost()
    {
        var s = await Scenario();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/responses");
        request.Headers.Authorization = new("Bearer", s.Key);
        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }
}
