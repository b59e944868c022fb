using System.Net;
using System.Text.Json.Nodes;
using AgentRouter.Web.Tests.Infrastructure;
using static AgentRouter.Web.Tests.Translation.WireScripts;

namespace AgentRouter.Web.Tests.Translation;

/// <summary>The OpenAI SDK's Chat Completions against a Claude-backed model, end to end: a tool loop over several
/// turns, parallel tool calls, a streamed tool call with reasoning, and the usage chunk.</summary>
public sealed class OpenAISdkTranslationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Pinned = "claude-sonnet-4-5-20250929";

    /// <summary>A third turn of a tool loop as the OpenAI SDK sends it: a system message, two parallel calls answered by
    /// two tool messages, an image, a stop sequence, structured limits.</summary>
    private static string ToolLoop(string model, bool stream) => """
        {"model":"MODEL","messages":[{"role":"system","content":"You are a weather bot."},{"role":"user","content":[{"type":"text","text":"Weather in Paris and Tokyo? Here is a map."},{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"call_p","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_t","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Tokyo\"}"}}]},{"role":"tool","tool_call_id":"call_p","content":"18C"},{"role":"tool","tool_call_id":"call_t","content":"24C"},{"role":"system","content":"Answer in one line."}],"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],"tool_choice":"auto","max_completion_tokens":500,"temperature":0.2,"stop":["END"],"stream":STREAM,"stream_options":OPTIONS}
        """.Trim().Replace("MODEL", model).Replace("STREAM", stream ? "true" : "false").Replace("OPTIONS", stream ? """{"include_usage":true}""" : "null");

    [Fact]
    public async Task ToolLoop_ReachesClaudeInItsShape_AndParallelCallsComeBackAsToolCalls()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude-for-openai-sdk", Pinned);
        s.Fake.Respond = JsonAnswer("""
            {"id":"msg_01P","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Checking both again."},{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Tokyo"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":80,"cache_creation_input_tokens":5,"cache_read_input_tokens":15,"output_tokens":40}}
            """);

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, ToolLoop(s.PublicName, stream: false)));
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sent = JsonNode.Parse(s.Fake.LastRequest.Body)!.AsObject();
        Assert.Equal("""
            {"model":"claude-sonnet-4-5-20250929","system":[{"type":"text","text":"You are a weather bot."},{"type":"text","text":"Answer in one line."}],"messages":[{"role":"user","content":[{"type":"text","text":"Weather in Paris and Tokyo? Here is a map."},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}}]},{"role":"assistant","content":[{"type":"tool_use","id":"call_p","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"call_t","name":"get_weather","input":{"city":"Tokyo"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_p","content":"18C"},{"type":"tool_result","tool_use_id":"call_t","content":"24C"}]}],"tools":[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":{"type":"auto"},"max_tokens":500,"temperature":0.2,"stop_sequences":["END"]}
            """.Trim(), sent.ToJsonString(Relaxed));
        Assert.Equal("2023-06-01", s.Fake.LastRequest.Headers["anthropic-version"]);

        var choice = answer["choices"]![0]!;
        Assert.Equal("tool_calls", (string?)choice["finish_reason"]);
        Assert.Equal("Checking both again.", (string?)choice["message"]!["content"]);
        Assert.Equal("""[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Tokyo\"}"}}]""",
            choice["message"]!["tool_calls"]!.ToJsonString(Relaxed));
        Assert.Equal("""{"prompt_tokens":100,"completion_tokens":40,"total_tokens":140,"prompt_tokens_details":{"cached_tokens":15},"completion_tokens_details":{"reasoning_tokens":0}}""",
            answer["usage"]!.ToJsonString(Relaxed));
        Assert.Equal(("chat.completion", "claude-for-openai-sdk"), ((string)answer["object"]!, (string)answer["model"]!));
        Assert.Equal((80, 5, 15, 40), (record.InputTokens, record.CacheWriteTokens, record.CacheReadTokens, record.OutputTokens));
        Assert.Equal(("openai.chat", "anthropic.messages"), (record.Surface, record.UpstreamSurface));
    }

    [Fact]
    public async Task StreamedToolCall_ComesAsChunks_WithIncrementalArguments_AndTheUsageChunk()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude-for-openai-sdk-2", Pinned);
        s.Fake.Respond = Sse(AnthropicThinkingTextToolCall(Pinned, input: 64, cacheRead: 0, output: 33));

        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, ToolLoop(s.PublicName, stream: true)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType!.ToString());
        Assert.True((bool)JsonNode.Parse(s.Fake.LastRequest.Body)!["stream"]!);
        var chunks = Events(body).Select(e => e.Data).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        var deltas = chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!["delta"]!.ToJsonString(Relaxed)).ToList();
        Assert.Equal([
            """{"role":"assistant","content":""}""",
            """{"reasoning_content":"List the files."}""",
            """{"content":"Let me "}""",
            """{"content":"look."}""",
            """{"tool_calls":[{"index":0,"id":"toolu_01A","type":"function","function":{"name":"shell","arguments":""}}]}""",
            """{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\":[\"l"}}]}""",
            """{"tool_calls":[{"index":0,"function":{"arguments":"s\"]}"}}]}""",
            "{}"], deltas);
        Assert.Equal("tool_calls", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Equal("""{"prompt_tokens":64,"completion_tokens":33,"total_tokens":97,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}""",
            chunks[^1]["usage"]!.ToJsonString(Relaxed));
        Assert.Contains("data: [DONE]\n\n", body);
        Assert.Equal((64, 33), (record.InputTokens, record.OutputTokens));
        Assert.True(record.Streamed);
    }

    [Fact]
    public async Task ResponsesApiOnTheSandbox_IsTranslated()
    {
        var admin = fixture.Router.Admin();
        var sandbox = (await admin.ListAsync("/api/admin/providers")).Single(p => p!["kind"]!.GetValue<string>() == "sandbox")!["id"]!.GetValue<Guid>();
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PriceAsync("sandbox-1");
        await admin.PutProfileAsync(teamId, ("sandbox-model", sandbox, "sandbox-1"));
        var (_, key) = await admin.CreateKeyAsync(teamId, await admin.CreateDeveloperAsync(teamId));
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = Body("""{"model":"sandbox-model","input":"Hello there","store":false}""") };
        request.Headers.Authorization = new("Bearer", key);

        using var response = await fixture.Router.Gateway().SendAsync(request);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("response", (string?)answer["object"]);
        Assert.Contains("sandbox", (string?)answer["output"]![0]!["content"]![0]!["text"], StringComparison.OrdinalIgnoreCase);
        Assert.True((long)answer["usage"]!["output_tokens"]! > 0);
        Assert.Equal("anthropic.messages", record.UpstreamSurface);
    }
}
