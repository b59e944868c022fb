using System.Net;
using System.Text.Json.Nodes;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using static AgentRouter.Web.Tests.Translation.WireScripts;

namespace AgentRouter.Web.Tests.Translation;

/// <summary>Claude Code's recorded request shape against a Gemini-backed and an OpenAI-backed model, end to end.</summary>
public sealed class ClaudeCodeTranslationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Schema = """{"type":"object","properties":{"command":{"type":"string","description":"The command to run"}},"required":["command"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}""";

    /// <summary>What Claude Code sends: cached system blocks, tools with a meta-schema, metadata, thinking, and a
    /// conversation with a signed thought, a tool call and its result.</summary>
    private static string ClaudeCodeRequest(string model, bool stream = true) => """
        {"model":"MODEL","messages":[{"role":"user","content":[{"type":"text","text":"Fix the failing test"}]},{"role":"assistant","content":[{"type":"thinking","thinking":"I should run the tests.","signature":"Q2lRQlZLaGM="},{"type":"text","text":"Running the tests."},{"type":"tool_use","id":"toolu_01","name":"Bash","input":{"command":"npm test"}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"1 failing"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},{"type":"text","text":"Continue.","cache_control":{"type":"ephemeral"}}]}],"system":[{"type":"text","text":"You are Claude Code, Anthropic's official CLI for Claude.","cache_control":{"type":"ephemeral"}},{"type":"text","text":"You are an interactive CLI tool.","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Bash","description":"Executes a bash command","input_schema":SCHEMA}],"metadata":{"user_id":"user_3f2a_account_9b1c_session_77d0"},"max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999},"stream":STREAM}
        """.Trim().Replace("MODEL", model).Replace("SCHEMA", Schema).Replace("STREAM", stream ? "true" : "false");

    private static HttpRequestMessage ClaudeCode(string key, string body, string path = "/v1/messages?beta=true")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Body(body) };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14");
        request.Headers.UserAgent.ParseAdd("claude-cli/2.0.14 (external, cli)");
        return request;
    }

    private static string Gemini(object chunk) => WireScripts.Data(chunk).Replace("\n\n", "\r\n\r\n");

    [Fact]
    public async Task ClaudeCodeOnAGeminiModel_SendsGeminisShape_AndGetsAnthropicsEvents()
    {
        var s = await fixture.ScenarioAsync("gemini", "claude-code-on-gemini", "gemini-2.5-pro");
        var usage = new { promptTokenCount = 200, candidatesTokenCount = 30, cachedContentTokenCount = 50, thoughtsTokenCount = 10, totalTokenCount = 250 };
        s.Fake.Respond = Sse(
            Gemini(new { candidates = new[] { new { content = new { parts = new object[] { new { text = "Checking the failure.", thought = true } }, role = "model" }, index = 0 } }, modelVersion = "gemini-2.5-pro", responseId = "resp-g1" }),
            Gemini(new { candidates = new[] { new { content = new { parts = new object[] { new { text = "I'll read the test " } }, role = "model" }, index = 0 } }, modelVersion = "gemini-2.5-pro", responseId = "resp-g1" }),
            Gemini(new { candidates = new[] { new { content = new { parts = new object[] { new { text = "and the code." } }, role = "model" }, index = 0 } }, modelVersion = "gemini-2.5-pro", responseId = "resp-g1" }),
            Gemini(new { candidates = new[] { new { content = new { parts = new object[]
            {
                new { functionCall = new { name = "Read", args = new { file_path = "/repo/a.test.ts" } }, thoughtSignature = "R2VtaW5pU2ln" },
                new { functionCall = new { name = "Read", args = new { file_path = "/repo/a.ts" } } },
            }, role = "model" }, index = 0 } }, modelVersion = "gemini-2.5-pro", responseId = "resp-g1" }),
            Gemini(new { candidates = new[] { new { content = new { parts = new object[] { new { text = "" } }, role = "model" }, finishReason = "STOP", index = 0 } },
                usageMetadata = usage, modelVersion = "gemini-2.5-pro", responseId = "resp-g1" }));

        using var response = await s.Client.SendAsync(ClaudeCode(s.Key, ClaudeCodeRequest(s.PublicName)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal("/v1beta/models/gemini-2.5-pro:streamGenerateContent", upstream.Path);
        Assert.Equal("?alt=sse", upstream.QueryString);
        Assert.Equal(s.ProviderKey, upstream.Headers["x-goog-api-key"]);
        // Anthropic's beta flags and version mean nothing to Gemini and are not sent.
        Assert.False(upstream.Headers.ContainsKey("anthropic-beta"));
        Assert.False(upstream.Headers.ContainsKey("anthropic-version"));
        Assert.Equal("""
            {"systemInstruction":{"parts":[{"text":"You are Claude Code, Anthropic's official CLI for Claude."},{"text":"You are an interactive CLI tool."}]},"contents":[{"role":"user","parts":[{"text":"Fix the failing test"}]},{"role":"model","parts":[{"text":"Running the tests.","thoughtSignature":"Q2lRQlZLaGM="},{"functionCall":{"id":"toolu_01","name":"Bash","args":{"command":"npm test"}}}]},{"role":"user","parts":[{"functionResponse":{"id":"toolu_01","name":"Bash","response":{"output":"1 failing"}}},{"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},{"text":"Continue."}]}],"tools":[{"functionDeclarations":[{"name":"Bash","description":"Executes a bash command","parametersJsonSchema":{"type":"object","properties":{"command":{"type":"string","description":"The command to run"}},"required":["command"],"additionalProperties":false}}]}],"generationConfig":{"maxOutputTokens":32000,"thinkingConfig":{"thinkingBudget":24576,"includeThoughts":true}}}
            """.Trim(), upstream.Body);

        var events = Events(body);
        Assert.All(events, e => Assert.Equal(e.Event, Type(e.Data)));
        Assert.Equal([
            "message_start",
            "content_block_start", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop",
            "content_block_start", "content_block_delta", "content_block_stop",
            "message_delta", "message_stop"], events.Select(e => Type(e.Data)));
        var starts = events.Where(e => Type(e.Data) == "content_block_start").Select(e => e.Data["content_block"]!).ToList();
        Assert.Equal(["thinking", "text", "thinking", "tool_use", "tool_use"], starts.Select(b => (string)b["type"]!));
        Assert.Equal([0, 1, 2, 3, 4], events.Where(e => Type(e.Data) == "content_block_start").Select(e => (int)e.Data["index"]!));
        Assert.Equal("""{"type":"signature_delta","signature":"R2VtaW5pU2ln"}""", events[9].Data["delta"]!.ToJsonString(Relaxed));
        Assert.Equal("Read", (string?)starts[3]["name"]);
        Assert.NotEqual((string?)starts[3]["id"], (string?)starts[4]["id"]);
        Assert.Equal("""{"type":"input_json_delta","partial_json":"{\"file_path\":\"/repo/a.ts\"}"}""", events[15].Data["delta"]!.ToJsonString(Relaxed));
        Assert.Equal("""{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":150,"cache_creation_input_tokens":0,"cache_read_input_tokens":50,"output_tokens":40}}""",
            events[^2].Data.ToJsonString(Relaxed));
        Assert.Equal("claude-code-on-gemini", (string?)events[0].Data["message"]!["model"]);

        Assert.Equal((150, 50, 40, 10), (record.InputTokens, record.CacheReadTokens, record.OutputTokens, record.ReasoningTokens));
        Assert.Equal(("anthropic.messages", "gemini.stream", "claude-code"), (record.Surface, record.UpstreamSurface, record.Agent));
        Assert.False(record.UsageEstimated);
    }

    [Fact]
    public async Task ClaudeCodeNextTurn_HandsGeminisSignatureBackOnTheFunctionCall()
    {
        var s = await fixture.ScenarioAsync("gemini", "claude-code-on-gemini-2", "gemini-2.5-pro");
        var next = ClaudeCodeRequest(s.PublicName, stream: false).Replace(
            """{"type":"thinking","thinking":"I should run the tests.","signature":"Q2lRQlZLaGM="},{"type":"text","text":"Running the tests."},""",
            """{"type":"thinking","thinking":"","signature":"R2VtaW5pU2ln"},""");

        using var response = await s.Client.SendAsync(ClaudeCode(s.Key, next));
        var answer = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1beta/models/gemini-2.5-pro:generateContent", s.Fake.LastRequest.Path);
        Assert.Equal("""{"role":"model","parts":[{"functionCall":{"id":"toolu_01","name":"Bash","args":{"command":"npm test"}},"thoughtSignature":"R2VtaW5pU2ln"}]}""",
            JsonNode.Parse(s.Fake.LastRequest.Body)!["contents"]![1]!.ToJsonString(Relaxed));
        Assert.Equal("message", answer.GetProperty("type").GetString());
        Assert.Equal("Hello from the fake.", answer.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("end_turn", answer.GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task CountTokens_OnAGeminiModel_IsCountedByGemini()
    {
        var s = await fixture.ScenarioAsync("gemini", "claude-code-count", "gemini-2.5-pro");
        s.Fake.Usage = new FakeUsage(Input: 4321, Output: 0);
        var body = ClaudeCodeRequest(s.PublicName).Replace(",\"max_tokens\":32000", "").Replace(",\"stream\":true", "");

        using var response = await s.Client.SendAsync(ClaudeCode(s.Key, body, "/v1/messages/count_tokens?beta=true"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"input_tokens":4321}""", await response.Content.ReadAsStringAsync());
        Assert.Equal("/v1beta/models/gemini-2.5-pro:countTokens", s.Fake.LastRequest.Path);
        var sent = JsonNode.Parse(s.Fake.LastRequest.Body)!["generateContentRequest"]!;
        Assert.Equal("models/gemini-2.5-pro", (string?)sent["model"]);
        Assert.Equal(3, sent["contents"]!.AsArray().Count);
    }

    [Fact]
    public async Task GeminiError_ReachesClaudeCodeInAnthropicsShape_WithItsStatus()
    {
        var s = await fixture.ScenarioAsync("gemini", "claude-code-on-gemini-3", "gemini-2.5-pro");
        s.Fake.Respond = JsonAnswer("""{"error":{"code":400,"message":"Function call is missing a thought_signature.","status":"INVALID_ARGUMENT"}}""", 400);

        using var response = await s.Client.SendAsync(ClaudeCode(s.Key, ClaudeCodeRequest(s.PublicName)));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("missing a thought_signature", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task ClaudeCodeOnAnOpenAIModel_GoesToTheResponsesAPI_AndGetsAnthropicsEvents()
    {
        var s = await fixture.ScenarioAsync("openai", "claude-code-on-gpt", "gpt-5-2025-08-07");
        s.Fake.Usage = new FakeUsage(Input: 300, Output: 25, CacheRead: 100, Reasoning: 12);

        using var response = await s.Client.SendAsync(ClaudeCode(s.Key, ClaudeCodeRequest(s.PublicName)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal("/v1/responses", upstream.Path);
        Assert.Equal($"Bearer {s.ProviderKey}", upstream.Headers["authorization"]);
        Assert.False(upstream.Headers.ContainsKey("anthropic-beta"));
        var sent = JsonNode.Parse(upstream.Body)!.AsObject();
        Assert.Equal("You are Claude Code, Anthropic's official CLI for Claude.\n\nYou are an interactive CLI tool.", (string?)sent["instructions"]);
        Assert.Equal("""[{"type":"message","role":"user","content":[{"type":"input_text","text":"Fix the failing test"}]},{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Running the tests."}]},{"type":"function_call","call_id":"toolu_01","name":"Bash","arguments":"{\"command\":\"npm test\"}"},{"type":"function_call_output","call_id":"toolu_01","output":"1 failing"},{"type":"message","role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,iVBORw0KGgo=","detail":"auto"},{"type":"input_text","text":"Continue."}]}]""",
            sent["input"]!.ToJsonString(Relaxed));
        Assert.Equal("""{"effort":"high","summary":"auto"}""", sent["reasoning"]!.ToJsonString(Relaxed));
        Assert.Equal("""["reasoning.encrypted_content"]""", sent["include"]!.ToJsonString(Relaxed));
        Assert.False((bool)sent["store"]!);
        Assert.Equal(32000, (int)sent["max_output_tokens"]!);
        Assert.Equal("user_3f2a_account_9b1c_session_77d0", (string?)sent["safety_identifier"]);

        var events = Events(body);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => Type(e.Data)));
        Assert.Equal("Hello from the fake.", string.Concat(events.Where(e => Type(e.Data) == "content_block_delta").Select(e => (string)e.Data["delta"]!["text"]!)));
        Assert.Equal("""{"input_tokens":300,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":25}""", events[^2].Data["usage"]!.ToJsonString(Relaxed));
        Assert.Equal((300, 100, 25, 12), (record.InputTokens, record.CacheReadTokens, record.OutputTokens, record.ReasoningTokens));
        Assert.Equal("openai.responses", record.UpstreamSurface);
    }
}
