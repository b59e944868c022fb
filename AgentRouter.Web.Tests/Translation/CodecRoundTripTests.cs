using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Translation;

namespace AgentRouter.Web.Tests.Translation;

/// <summary>Every direction of the hub: a caller's request (system prompt, text, an image, signed thinking, parallel
/// tool calls, their results over several turns) translated for each other dialect reads back as the same
/// conversation; and each upstream's streamed answer (text, a tool call in pieces, usage) re-encoded in each caller's
/// stream format reads back as the same answer. The exact wire shapes of the priority directions are asserted in the
/// gateway tests beside this one.</summary>
public sealed class CodecRoundTripTests
{
    private static readonly IDialectCodec[] Codecs = [AnthropicCodec.Instance, OpenAIChatCodec.Instance, OpenAIResponsesCodec.Instance, GeminiCodec.Instance];

    private static IDialectCodec Codec(string name) => Codecs.Single(c => c.GetType().Name.StartsWith(name, StringComparison.Ordinal));

    private static readonly Dictionary<string, string> Conversations = new()
    {
        ["Anthropic"] = """
            {"model":"m","max_tokens":300,"temperature":0.5,"system":"Be brief.","tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":{"type":"auto"},"messages":[
              {"role":"user","content":[{"type":"text","text":"Paris and Tokyo?"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]},
              {"role":"assistant","content":[{"type":"thinking","thinking":"Two cities.","signature":"SIG"},{"type":"text","text":"Checking."},{"type":"tool_use","id":"c1","name":"get_weather","input":{"city":"Paris"}},{"type":"tool_use","id":"c2","name":"get_weather","input":{"city":"Tokyo"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"c1","content":"18C"},{"type":"tool_result","tool_use_id":"c2","content":[{"type":"text","text":"24C"}]}]},
              {"role":"assistant","content":[{"type":"text","text":"Paris 18C, Tokyo 24C."}]},
              {"role":"user","content":"Thanks"}]}
            """,
        ["OpenAIChat"] = """
            {"model":"m","max_completion_tokens":300,"temperature":0.5,"tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"tool_choice":"auto","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"user","content":[{"type":"text","text":"Paris and Tokyo?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}}]},
              {"role":"assistant","content":"Checking.","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"c2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Tokyo\"}"}}]},
              {"role":"tool","tool_call_id":"c1","content":"18C"},{"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"24C"}]},
              {"role":"assistant","content":"Paris 18C, Tokyo 24C."},
              {"role":"user","content":"Thanks"}]}
            """,
        ["OpenAIResponses"] = """
            {"model":"m","max_output_tokens":300,"temperature":0.5,"instructions":"Be brief.","store":false,"tools":[{"type":"function","name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}],"tool_choice":"auto","input":[
              {"type":"message","role":"user","content":[{"type":"input_text","text":"Paris and Tokyo?"},{"type":"input_image","image_url":"data:image/png;base64,iVBOR"}]},
              {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Two cities."}],"encrypted_content":"ar-sig:SIG"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
              {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call","call_id":"c2","name":"get_weather","arguments":"{\"city\":\"Tokyo\"}"},
              {"type":"function_call_output","call_id":"c1","output":"18C"},{"type":"function_call_output","call_id":"c2","output":"24C"},
              {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Paris 18C, Tokyo 24C."}]},
              {"role":"user","content":"Thanks"}]}
            """,
        ["Gemini"] = """
            {"systemInstruction":{"parts":[{"text":"Be brief."}]},"generationConfig":{"maxOutputTokens":300,"temperature":0.5},"tools":[{"functionDeclarations":[{"name":"get_weather","description":"Weather","parametersJsonSchema":{"type":"object","properties":{"city":{"type":"string"}}}}]}],"toolConfig":{"functionCallingConfig":{"mode":"AUTO"}},"contents":[
              {"role":"user","parts":[{"text":"Paris and Tokyo?"},{"inlineData":{"mimeType":"image/png","data":"iVBOR"}}]},
              {"role":"model","parts":[{"text":"Checking.","thoughtSignature":"SIG"},{"functionCall":{"id":"c1","name":"get_weather","args":{"city":"Paris"}}},{"functionCall":{"id":"c2","name":"get_weather","args":{"city":"Tokyo"}}}]},
              {"role":"user","parts":[{"functionResponse":{"id":"c1","name":"get_weather","response":{"output":"18C"}}},{"functionResponse":{"id":"c2","name":"get_weather","response":{"output":"24C"}}}]},
              {"role":"model","parts":[{"text":"Paris 18C, Tokyo 24C."}]},
              {"role":"user","parts":[{"text":"Thanks"}]}]}
            """,
    };

    public static TheoryData<string, string> Directions()
    {
        var data = new TheoryData<string, string>();
        foreach (var caller in Conversations.Keys)
            foreach (var upstream in Conversations.Keys.Where(u => u != caller))
                data.Add(caller, upstream);
        return data;
    }

    /// <summary>The conversation as a comparable line per turn, thinking aside (each target keeps what it can use).</summary>
    private static string Project(ChatRequest request)
    {
        var lines = new List<string> { "system: " + string.Concat(request.System.OfType<TextPart>().Select(p => p.Text)).Replace("\n", "") };
        foreach (var message in request.Messages)
        {
            var parts = message.Parts.Where(p => p is not (ThinkingPart or RedactedThinkingPart)).Select(p => p switch
            {
                TextPart t => "text " + t.Text,
                ImagePart i => $"image {i.MediaType} {i.Data}",
                ToolCallPart c => $"call {c.Id} {c.Name} {JsonNode.Parse(c.Arguments)!.ToJsonString()}",
                ToolResultPart r => $"result {r.CallId} {string.Concat(r.Content.OfType<TextPart>().Select(t => t.Text))}",
                _ => p.GetType().Name,
            });
            var line = (message.Role == ChatRole.User ? "user: " : "assistant: ") + string.Join(" | ", parts);
            if (lines[^1].StartsWith(line[..line.IndexOf(':')], StringComparison.Ordinal))
                lines[^1] += " | " + line[(line.IndexOf(':') + 2)..];
            else
                lines.Add(line);
        }
        lines.Add($"tools: {string.Join(",", request.Tools.Select(t => t.Name))} choice {request.ToolChoice?.Kind} max {request.MaxOutputTokens} temperature {request.Temperature}");
        return string.Join("\n", lines);
    }

    [Theory]
    [MemberData(nameof(Directions))]
    public void Request_TranslatedToAnotherDialect_ReadsBackAsTheSameConversation(string caller, string upstream)
    {
        var decoded = Codec(caller).DecodeRequest(JsonNode.Parse(Conversations[caller])!.AsObject(), "the target");
        var encoded = Codec(upstream).EncodeRequest(decoded, "pinned-model");
        var readBack = Codec(upstream).DecodeRequest(JsonNode.Parse(encoded.ToJsonString())!.AsObject(), "the target");

        Assert.Equal(Project(decoded), Project(readBack));
        Assert.Contains("call c2 get_weather {\"city\":\"Tokyo\"}", Project(readBack));
        Assert.Contains("image image/png iVBOR", Project(readBack));
    }

    [Theory]
    [InlineData("Anthropic", "Gemini")]
    [InlineData("OpenAIResponses", "Anthropic")]
    [InlineData("OpenAIResponses", "Gemini")]
    public void SignedThinking_ReachesATargetThatNeedsItBack(string caller, string upstream)
    {
        var decoded = Codec(caller).DecodeRequest(JsonNode.Parse(Conversations[caller])!.AsObject(), "the target");
        var encoded = Codec(upstream).EncodeRequest(decoded, "pinned-model").ToJsonString();

        Assert.Contains("SIG", encoded);
    }

    // ---- Streams -----------------------------------------------------------------------------------------

    private static string Data(string json) => $"data: {json}\n\n";

    private static readonly Dictionary<string, string[]> Streams = new()
    {
        ["Anthropic"] = WireScripts.AnthropicThinkingTextToolCall("m", input: 20, cacheRead: 5, output: 9),
        ["OpenAIChat"] =
        [
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Let me "},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"look."},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_01A","type":"function","function":{"name":"shell","arguments":""}}]},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"command\":[\"l"}}]},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"s\"]}"}}]},"finish_reason":null}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"""),
            Data("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":25,"completion_tokens":9,"total_tokens":34,"prompt_tokens_details":{"cached_tokens":5}}}"""),
            "data: [DONE]\n\n",
        ],
        ["OpenAIResponses"] =
        [
            Data("""{"type":"response.created","response":{"id":"resp_1","model":"m","status":"in_progress","output":[],"usage":null},"sequence_number":0}"""),
            Data("""{"type":"response.output_item.added","output_index":0,"item":{"id":"msg_1","type":"message","role":"assistant","content":[]},"sequence_number":1}"""),
            Data("""{"type":"response.content_part.added","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":""},"sequence_number":2}"""),
            Data("""{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"Let me ","sequence_number":3}"""),
            Data("""{"type":"response.output_text.delta","item_id":"msg_1","output_index":0,"content_index":0,"delta":"look.","sequence_number":4}"""),
            Data("""{"type":"response.content_part.done","item_id":"msg_1","output_index":0,"content_index":0,"part":{"type":"output_text","text":"Let me look."},"sequence_number":5}"""),
            Data("""{"type":"response.output_item.done","output_index":0,"item":{"id":"msg_1","type":"message"},"sequence_number":6}"""),
            Data("""{"type":"response.output_item.added","output_index":1,"item":{"id":"fc_1","type":"function_call","call_id":"toolu_01A","name":"shell","arguments":""},"sequence_number":7}"""),
            Data("""{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"{\"command\":[\"l","sequence_number":8}"""),
            Data("""{"type":"response.function_call_arguments.delta","item_id":"fc_1","output_index":1,"delta":"s\"]}","sequence_number":9}"""),
            Data("""{"type":"response.output_item.done","output_index":1,"item":{"id":"fc_1","type":"function_call","call_id":"toolu_01A","name":"shell","arguments":"{\"command\":[\"ls\"]}"},"sequence_number":10}"""),
            Data("""{"type":"response.completed","response":{"id":"resp_1","model":"m","status":"completed","output":[],"usage":{"input_tokens":25,"input_tokens_details":{"cached_tokens":5},"output_tokens":9,"output_tokens_details":{"reasoning_tokens":0}}},"sequence_number":11}"""),
        ],
        ["Gemini"] =
        [
            Data("""{"candidates":[{"content":{"parts":[{"text":"Let me "}],"role":"model"},"index":0}],"modelVersion":"m","responseId":"g1"}"""),
            Data("""{"candidates":[{"content":{"parts":[{"text":"look."}],"role":"model"},"index":0}],"modelVersion":"m","responseId":"g1"}"""),
            Data("""{"candidates":[{"content":{"parts":[{"functionCall":{"id":"toolu_01A","name":"shell","args":{"command":["ls"]}}}],"role":"model"},"index":0}],"modelVersion":"m","responseId":"g1"}"""),
            Data("""{"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":25,"candidatesTokenCount":9,"cachedContentTokenCount":5,"totalTokenCount":34},"modelVersion":"m","responseId":"g1"}"""),
        ],
    };

    private static List<StreamEvent> Decode(IDialectCodec codec, IEnumerable<string> frames)
    {
        var decoder = codec.NewStreamDecoder();
        var events = new List<StreamEvent>();
        foreach (var line in string.Concat(frames).Replace("\r\n", "\n").Split('\n').Where(l => l.StartsWith("data: ")))
        {
            if (line == "data: [DONE]")
                continue;
            using var document = JsonDocument.Parse(line["data: ".Length..]);
            decoder.Decode(document.RootElement, events);
        }
        decoder.End(events);
        return events;
    }

    /// <summary>The answer a stream adds up to: text, each tool call whole, the stop reason and the usage.</summary>
    private static string Answer(List<StreamEvent> events)
    {
        var blocks = new Dictionary<int, (Part Block, StringBuilder Text)>();
        var output = new List<string>();
        foreach (var e in events)
        {
            switch (e)
            {
                case BlockStartEvent start:
                    blocks[start.Index] = (start.Block, new StringBuilder());
                    break;
                case DeltaEvent delta:
                    blocks[delta.Index].Text.Append(delta.Text);
                    break;
                case BlockStopEvent stop when blocks[stop.Index].Block is TextPart:
                    output.Add("text " + blocks[stop.Index].Text);
                    break;
                case BlockStopEvent stop when blocks[stop.Index].Block is ToolCallPart call:
                    output.Add($"call {call.Id} {call.Name} {JsonNode.Parse(blocks[stop.Index].Text.ToString())!.ToJsonString()}");
                    break;
                case FinishEvent finish:
                    output.Add($"finish {finish.Reason} input {finish.Usage.Input} cached {finish.Usage.CacheRead} output {finish.Usage.Output}");
                    break;
            }
        }
        return string.Join("\n", output);
    }

    public static TheoryData<string, string> StreamDirections()
    {
        var data = new TheoryData<string, string>();
        foreach (var upstream in Streams.Keys)
            foreach (var caller in Streams.Keys.Where(c => c != upstream))
                data.Add(upstream, caller);
        return data;
    }

    [Theory]
    [MemberData(nameof(StreamDirections))]
    public void Stream_ReencodedForAnotherDialect_ReadsBackAsTheSameAnswer(string upstream, string caller)
    {
        var events = Decode(Codec(upstream), Streams[upstream]);
        var encoder = Codec(caller).NewStreamEncoder(new ChatRequest { Stream = true, IncludeUsage = true }, "public-model");
        var output = new StringBuilder();
        foreach (var e in events)
            encoder.Encode(e, output);
        encoder.End(output, finished: true);
        var readBack = Decode(Codec(caller), [output.ToString()]);

        Assert.Equal("text Let me look.\ncall toolu_01A shell {\"command\":[\"ls\"]}\nfinish ToolUse input 20 cached 5 output 9", Answer(events));
        Assert.Equal(Answer(events), Answer(readBack));
    }

    public static TheoryData<string, string, string> Refusals() => new()
    {
        { "Anthropic", """{"model":"m","max_tokens":10,"tools":[{"type":"web_search_20250305","name":"web_search"}],"messages":[{"role":"user","content":"hi"}]}""", "web_search_20250305" },
        { "Anthropic", """{"model":"m","max_tokens":10,"mcp_servers":[{"type":"url","url":"https://x"}],"messages":[{"role":"user","content":"hi"}]}""", "mcp_servers" },
        { "Anthropic", """{"model":"m","max_tokens":10,"context_management":{"edits":[{"type":"clear_tool_uses_20250919","trigger":{"type":"input_tokens","value":30000}}]},"messages":[{"role":"user","content":"hi"}]}""", "clear_tool_uses_20250919" },
        { "Anthropic", """{"model":"m","max_tokens":10,"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":{"type":"thinking_turns","value":1}}]},"messages":[{"role":"user","content":"hi"}]}""", "clear_thinking_20251015" },
        { "Anthropic", """{"model":"m","max_tokens":10,"output_config":{"effort":"low"},"messages":[{"role":"user","content":"hi"}]}""", "effort" },
        { "OpenAIChat", """{"model":"m","n":2,"messages":[{"role":"user","content":"hi"}]}""", "\"n\"" },
        { "OpenAIChat", """{"model":"m","logprobs":true,"messages":[{"role":"user","content":"hi"}]}""", "logprobs" },
        { "OpenAIResponses", """{"model":"m","previous_response_id":"resp_1","input":"hi"}""", "previous_response_id" },
        { "OpenAIResponses", """{"model":"m","tools":[{"type":"code_interpreter","container":{"type":"auto"}}],"input":"hi"}""", "code_interpreter" },
        { "Gemini", """{"tools":[{"googleSearch":{}}],"contents":[{"role":"user","parts":[{"text":"hi"}]}]}""", "googleSearch" },
        { "Gemini", """{"cachedContent":"cachedContents/1","contents":[{"role":"user","parts":[{"text":"hi"}]}]}""", "cachedContent" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void FeatureWithNoEquivalent_IsRefusedByName(string caller, string body, string named)
    {
        var refusal = Assert.Throws<NotTranslatableException>(() => Codec(caller).DecodeRequest(JsonNode.Parse(body)!.AsObject(), "the target"));

        Assert.Contains(named, refusal.Message);
    }

    /// <summary>What Claude Code sends on every turn (seen on the wire from 2.1.197): context editing that keeps all
    /// thinking changes nothing, and its title request's structured output comes as <c>output_config.format</c>.</summary>
    [Fact]
    public void ClaudeCodesNoOpContextEditing_AndOutputConfigFormat_Translate()
    {
        var body = """{"model":"m","max_tokens":32000,"thinking":{"type":"enabled","budget_tokens":31999},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"format":{"type":"json_schema","schema":{"type":"object","properties":{"title":{"type":"string"}},"required":["title"]}}},"messages":[{"role":"user","content":"hi"}]}""";

        var request = Codec("Anthropic").DecodeRequest(JsonNode.Parse(body)!.AsObject(), "the target");

        Assert.Equal("title", request.Format!.Schema!["required"]![0]!.GetValue<string>());
        Assert.True(request.Reasoning!.Enabled);
    }
}
