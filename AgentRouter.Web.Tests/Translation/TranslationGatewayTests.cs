using System.Net;
using System.Text.Json.Nodes;
using AgentRouter.Web.Tests.Infrastructure;
using static AgentRouter.Web.Tests.Translation.WireScripts;

namespace AgentRouter.Web.Tests.Translation;

/// <summary>End to end through the gateway: a caller's dialect against a model served by another provider's API.
/// Each test asserts what the loopback provider received, what the caller got, and the usage recorded.</summary>
public sealed class TranslationGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>Codex CLI's request: instructions, the whole conversation with a tool call and its output, store
    /// false, reasoning, a function tool, parallel calls off.</summary>
    private static string CodexRequest(string model) => """
        {"model":"MODEL","instructions":"You are Codex, a coding agent.","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"What is in this folder?"}]},{"type":"function_call","call_id":"call_1","name":"shell","arguments":"{\"command\":[\"pwd\"]}"},{"type":"function_call_output","call_id":"call_1","output":"/repo"}],"tools":[{"type":"function","name":"shell","description":"Runs a shell command","strict":false,"parameters":{"type":"object","properties":{"command":{"type":"array","items":{"type":"string"}}},"required":["command"],"additionalProperties":false}}],"tool_choice":"auto","parallel_tool_calls":false,"reasoning":{"effort":"medium","summary":"auto"},"store":false,"stream":true,"include":["reasoning.encrypted_content"],"prompt_cache_key":"0199-session"}
        """.Trim().Replace("MODEL", model);

    private static HttpRequestMessage Codex(string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = Body(body) };
        request.Headers.Authorization = new("Bearer", key);
        request.Headers.UserAgent.ParseAdd("codex_cli_rs/0.169.0 (Debian 13; x86_64) xterm-256color");
        return request;
    }

    [Fact]
    public async Task CodexOnAnAnthropicModel_GetsTheResponsesEventSequence_AndExactUsage()
    {
        var s = await fixture.ScenarioAsync("anthropic", "codex-on-claude", "claude-sonnet-4-5-20250929");
        s.Fake.Respond = Sse(AnthropicThinkingTextToolCall("claude-sonnet-4-5-20250929", input: 120, cacheRead: 30, output: 45));

        using var response = await s.Client.SendAsync(Codex(s.Key, CodexRequest(s.PublicName)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // What Anthropic received: its own API, the pinned model, the conversation in its shape.
        var upstream = s.Fake.LastRequest;
        Assert.Equal("/v1/messages", upstream.Path);
        Assert.Equal(s.ProviderKey, upstream.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", upstream.Headers["anthropic-version"]);
        Assert.False(upstream.Headers.ContainsKey("authorization"));
        var sent = JsonNode.Parse(upstream.Body)!.AsObject();
        Assert.Equal("claude-sonnet-4-5-20250929", (string?)sent["model"]);
        Assert.Equal("""[{"type":"text","text":"You are Codex, a coding agent.","cache_control":{"type":"ephemeral"}}]""", sent["system"]!.ToJsonString(Relaxed));
        Assert.Equal("""[{"role":"user","content":[{"type":"text","text":"What is in this folder?"}]},{"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"shell","input":{"command":["pwd"]}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"/repo","cache_control":{"type":"ephemeral"}}]}]""",
            sent["messages"]!.ToJsonString(Relaxed));
        Assert.Equal("shell", (string?)sent["tools"]![0]!["name"]);
        Assert.Equal("array", (string?)sent["tools"]![0]!["input_schema"]!["properties"]!["command"]!["type"]);
        Assert.Equal("""{"type":"auto","disable_parallel_tool_use":true}""", sent["tool_choice"]!.ToJsonString(Relaxed));
        Assert.Equal("""{"type":"enabled","budget_tokens":8192}""", sent["thinking"]!.ToJsonString(Relaxed));
        Assert.True((bool)sent["stream"]!);
        Assert.True((long)sent["max_tokens"]! > 8192);

        // What Codex got: the Responses event sequence, the tool call's arguments as they came.
        var events = Events(body);
        Assert.Equal([
            "response.created", "response.in_progress",
            "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
            "response.output_item.added", "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
            "response.function_call_arguments.done", "response.output_item.done", "response.completed"], events.Select(e => Type(e.Data)));
        Assert.All(events, e => Assert.Equal(e.Event, Type(e.Data)));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Data["sequence_number"]!));
        Assert.Equal(["{\"command\":[\"l", "s\"]}"], events.Where(e => Type(e.Data) == "response.function_call_arguments.delta").Select(e => (string)e.Data["delta"]!));
        var completed = events[^1].Data["response"]!;
        Assert.Equal("completed", (string?)completed["status"]);
        Assert.Equal("codex-on-claude", (string?)completed["model"]);
        Assert.Equal(["reasoning", "message", "function_call"], completed["output"]!.AsArray().Select(i => (string)i!["type"]!));
        var call = completed["output"]![2]!;
        Assert.Equal(("toolu_01A", "shell", "{\"command\":[\"ls\"]}"), ((string)call["call_id"]!, (string)call["name"]!, (string)call["arguments"]!));
        Assert.Equal("ar-sig:EqQBCkYSIGFudGhyb3BpYw==", (string?)completed["output"]![0]!["encrypted_content"]);
        Assert.Equal("Let me look.", (string?)completed["output"]![1]!["content"]![0]!["text"]);
        Assert.Equal("""{"input_tokens":150,"input_tokens_details":{"cached_tokens":30},"output_tokens":45,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":195}""",
            completed["usage"]!.ToJsonString(Relaxed));

        // What was recorded: the upstream's own report, both dialects, the agent.
        Assert.Equal((120, 30, 45), (record.InputTokens, record.CacheReadTokens, record.OutputTokens));
        Assert.False(record.UsageEstimated);
        Assert.Null(record.Error);
        Assert.Equal(("openai.responses", "anthropic.messages", "codex"), (record.Surface, record.UpstreamSurface, record.Agent));
    }

    [Fact]
    public async Task CodexNextTurn_HandsTheThinkingSignatureBackToAnthropic()
    {
        var s = await fixture.ScenarioAsync("anthropic", "codex-on-claude-2", "claude-sonnet-4-5-20250929");
        s.Fake.Respond = Sse(AnthropicThinkingTextToolCall("claude-sonnet-4-5-20250929", 10, 0, 5));
        var next = CodexRequest(s.PublicName).Replace("""{"type":"function_call","call_id":"call_1",""",
            """{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"List the files."}],"encrypted_content":"ar-sig:EqQBCkYSIGFudGhyb3BpYw=="},{"type":"function_call","call_id":"call_1",""");

        using var response = await s.Client.SendAsync(Codex(s.Key, next));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var assistant = JsonNode.Parse(s.Fake.LastRequest.Body)!["messages"]![1]!;
        Assert.Equal("""{"role":"assistant","content":[{"type":"thinking","thinking":"List the files.","signature":"EqQBCkYSIGFudGhyb3BpYw=="},{"type":"tool_use","id":"call_1","name":"shell","input":{"command":["pwd"]}}]}""",
            assistant.ToJsonString(Relaxed));
    }

    [Theory]
    [InlineData("\"previous_response_id\":\"resp_123\",", "previous_response_id")]
    [InlineData("\"store\":true,", "store")]
    [InlineData("\"tools\":[{\"type\":\"web_search\"}],", "web_search")]
    [InlineData("\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}],", "item_reference")]
    public async Task StatefulOrServerSideFeature_OnANonOpenAIModel_Is400InOpenAIsShape_AndNothingIsForwarded(string extra, string mentioning)
    {
        var s = await fixture.ScenarioAsync("anthropic", "codex-on-claude-3", "claude-sonnet-4-5-20250929");
        var before = s.Fake.Requests.Count;
        var body = "{" + extra + $"\"model\":\"{s.PublicName}\",\"input\":\"hi\"}}";
        if (extra.Contains("\"input\""))
            body = "{" + extra + $"\"model\":\"{s.PublicName}\"}}";
        if (extra.Contains("\"store\""))
            body = body.Replace("\"store\":true,", "\"store\":true,\"stream\":false,");

        using var response = await s.Client.SendAsync(Codex(s.Key, body));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(mentioning, error.GetProperty("message").GetString());
        Assert.Equal(before, s.Fake.Requests.Count);
        Assert.Equal("not_translatable", (await fixture.Router.Usage.For(response)).Error);
    }
}
