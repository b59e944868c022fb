using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>The Anthropic Messages API (<c>/v1/messages</c>, <c>/v1/messages/count_tokens</c>).</summary>
public sealed class AnthropicCodec : IDialectCodec
{
    public static readonly AnthropicCodec Instance = new();

    /// <summary>The beta that enables <c>output_format</c> (structured outputs).</summary>
    public const string StructuredOutputsBeta = "structured-outputs-2025-11-13";

    private static readonly HashSet<string> Known =
        ["model", "messages", "system", "max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice", "thinking", "metadata", "output_format", "service_tier",
        "context_management", "output_config"];

    private static readonly HashSet<string> KnownOutputConfig = ["format"];

    public string Name => "the Anthropic Messages API";

    public ChatRequest DecodeRequest(JsonObject body, string target)
    {
        Json.OnlyKnown(body, "", target, Known);
        var request = new ChatRequest
        {
            Stream = Json.Bool(body["stream"], "stream") ?? false,
            MaxOutputTokens = Json.Integer(body["max_tokens"], "max_tokens"),
            Temperature = Json.Number(body["temperature"], "temperature"),
            TopP = Json.Number(body["top_p"], "top_p"),
            TopK = (int?)Json.Integer(body["top_k"], "top_k"),
            User = Json.String(Json.Object(body["metadata"], "metadata")?["user_id"], "metadata.user_id"),
        };
        switch (body["system"])
        {
            case null:
                break;
            case JsonArray blocks:
                foreach (var block in Json.Objects(blocks, "system"))
                {
                    if (Json.String(block["type"], "system[].type") != "text")
                        throw new NotTranslatableException("Only text blocks can be translated in \"system\".");
                    request.Cache |= block["cache_control"] is not null;
                    request.System.Add(new TextPart(Json.RequiredString(block["text"], "system[].text")));
                }
                break;
            default:
                request.System.Add(new TextPart(Json.RequiredString(body["system"], "system")));
                break;
        }
        foreach (var message in Json.Objects(body["messages"], "messages"))
        {
            var role = Json.RequiredString(message["role"], "messages[].role");
            var parts = DecodeContent(message["content"], request, "messages[].content");
            if (role == "system")
                request.System.AddRange(parts);
            else
                request.Messages.Add(new ChatMessage(role == "assistant" ? ChatRole.Assistant : role == "user" ? ChatRole.User
                    : throw new NotTranslatableException($"Unknown message role '{role}'."), parts));
        }
        foreach (var tool in Json.Objects(body["tools"], "tools"))
        {
            var type = Json.String(tool["type"], "tools[].type");
            if (type is not null and not "custom")
                throw new NotTranslatableException($"The tool '{tool["name"]}' is Anthropic's server or built-in tool '{type}', which {target} cannot run.");
            request.Tools.Add(new ToolDefinition(Json.RequiredString(tool["name"], "tools[].name"), Json.String(tool["description"], "tools[].description"),
                Json.Object(tool["input_schema"], "tools[].input_schema")?.DeepClone() ?? new JsonObject { ["type"] = "object" }, null));
        }
        if (Json.Object(body["tool_choice"], "tool_choice") is { } choice)
        {
            request.ToolChoice = Json.String(choice["type"], "tool_choice.type") switch
            {
                "auto" => new ToolChoice(ToolChoiceKind.Auto),
                "any" => new ToolChoice(ToolChoiceKind.Required),
                "none" => new ToolChoice(ToolChoiceKind.None),
                "tool" => new ToolChoice(ToolChoiceKind.Tool, Json.RequiredString(choice["name"], "tool_choice.name")),
                var other => throw new NotTranslatableException($"tool_choice type '{other}' cannot be translated."),
            };
            if (Json.Bool(choice["disable_parallel_tool_use"], "tool_choice.disable_parallel_tool_use") == true)
                request.ParallelToolCalls = false;
        }
        foreach (var stop in Json.Array(body["stop_sequences"], "stop_sequences") ?? [])
            request.StopSequences.Add(Json.RequiredString(stop, "stop_sequences[]"));
        if (Json.Object(body["thinking"], "thinking") is { } thinking)
        {
            request.Reasoning = Json.String(thinking["type"], "thinking.type") switch
            {
                "enabled" => new Reasoning(true, Json.Integer(thinking["budget_tokens"], "thinking.budget_tokens"), null),
                "disabled" => new Reasoning(false, null, null),
                var other => throw new NotTranslatableException($"thinking type '{other}' cannot be translated."),
            };
        }
        if (Json.Object(body["output_config"], "output_config") is { } outputConfig)
        {
            Json.OnlyKnown(outputConfig, "output_config.", target, KnownOutputConfig);
            if (body["output_format"] is not null && outputConfig["format"] is not null)
                throw new NotTranslatableException("Send the output format once: \"output_format\" or \"output_config.format\".");
        }
        foreach (var (field, value) in new[] { ("output_format", body["output_format"]), ("output_config.format", body["output_config"]?["format"]) })
        {
            if (Json.Object(value, field) is not { } format)
                continue;
            if (Json.String(format["type"], field + ".type") != "json_schema")
                throw new NotTranslatableException($"Only {field} type 'json_schema' can be translated.");
            request.Format = new OutputFormat(format["schema"]?.DeepClone(), null, true);
        }
        KeepsEveryThinkingBlock(Json.Object(body["context_management"], "context_management"), target);
        return request;
    }

    /// <summary>Context editing is Anthropic's own server-side pruning of the conversation: no other provider does it, so
    /// only edits that change nothing translate (Claude Code sends <c>clear_thinking</c> keeping all thinking); any edit
    /// that would remove something is refused, naming it.</summary>
    private static void KeepsEveryThinkingBlock(JsonObject? management, string target)
    {
        if (management is null)
            return;
        Json.OnlyKnown(management, "context_management.", target, ["edits"]);
        foreach (var edit in Json.Objects(management["edits"], "context_management.edits"))
        {
            var type = Json.RequiredString(edit["type"], "context_management.edits[].type");
            var keepsAll = type.StartsWith("clear_thinking_", StringComparison.Ordinal)
                && edit.Count == 2 && edit["keep"] is JsonValue keep && keep.TryGetValue<string>(out var kept) && kept == "all";
            if (!keepsAll)
                throw new NotTranslatableException($"The context_management edit '{type}' prunes the conversation on Anthropic's servers, which {target} cannot do.");
        }
    }

    private static List<Part> DecodeContent(JsonNode? content, ChatRequest request, string where)
    {
        if (content is JsonValue)
            return [new TextPart(Json.RequiredString(content, where))];
        var parts = new List<Part>();
        foreach (var block in Json.Objects(content, where))
        {
            request.Cache |= block["cache_control"] is not null;
            var type = Json.RequiredString(block["type"], where + "[].type");
            parts.Add(type switch
            {
                "text" => block["citations"] is JsonArray { Count: > 0 }
                    ? throw new NotTranslatableException("Text blocks with citations cannot be translated.")
                    : new TextPart(Json.RequiredString(block["text"], "text")),
                "image" => DecodeImage(block),
                "document" => DecodeDocument(block),
                "tool_use" => new ToolCallPart(Json.RequiredString(block["id"], "tool_use.id"), Json.RequiredString(block["name"], "tool_use.name"),
                    Json.ArgumentsText(block["input"])),
                "tool_result" => new ToolResultPart(Json.RequiredString(block["tool_use_id"], "tool_result.tool_use_id"), null,
                    block["content"] is null ? [] : DecodeContent(block["content"], request, "tool_result.content"),
                    Json.Bool(block["is_error"], "tool_result.is_error") ?? false),
                "thinking" => new ThinkingPart(Json.String(block["thinking"], "thinking.thinking") ?? "", Json.String(block["signature"], "thinking.signature")),
                "redacted_thinking" => new RedactedThinkingPart(Json.RequiredString(block["data"], "redacted_thinking.data")),
                _ => throw new NotTranslatableException($"Content blocks of type '{type}' cannot be translated to another provider."),
            });
        }
        return parts;
    }

    private static ImagePart DecodeImage(JsonObject block)
    {
        var source = Json.Object(block["source"], "image.source") ?? throw new NotTranslatableException("\"image.source\" is required.");
        return Json.String(source["type"], "image.source.type") switch
        {
            "base64" => new ImagePart(Json.RequiredString(source["media_type"], "image.source.media_type"), Json.RequiredString(source["data"], "image.source.data"), null),
            "url" => new ImagePart(null, null, Json.RequiredString(source["url"], "image.source.url")),
            var other => throw new NotTranslatableException($"Image sources of type '{other}' (Anthropic Files) cannot be translated."),
        };
    }

    private static DocumentPart DecodeDocument(JsonObject block)
    {
        if (block["citations"] is JsonObject citations && Json.Bool(citations["enabled"], "citations.enabled") == true)
            throw new NotTranslatableException("Documents with citations enabled cannot be translated.");
        var source = Json.Object(block["source"], "document.source") ?? throw new NotTranslatableException("\"document.source\" is required.");
        var title = Json.String(block["title"], "document.title");
        return Json.String(source["type"], "document.source.type") switch
        {
            "base64" => new DocumentPart(Json.RequiredString(source["media_type"], "document.source.media_type"), Json.RequiredString(source["data"], "document.source.data"), null, title),
            "text" => new DocumentPart("text/plain", Convert.ToBase64String(Encoding.UTF8.GetBytes(Json.RequiredString(source["data"], "document.source.data"))), null, title),
            "url" => new DocumentPart("application/pdf", null, Json.RequiredString(source["url"], "document.source.url"), title),
            var other => throw new NotTranslatableException($"Document sources of type '{other}' cannot be translated."),
        };
    }

    public JsonObject EncodeRequest(ChatRequest request, string model)
    {
        var body = EncodeCountRequest(request, model);
        body["max_tokens"] = request.MaxOutputTokens;
        if (request.Reasoning is { Enabled: true } reasoning)
        {
            // Anthropic's floor is 1,024 and the budget must stay under max_tokens.
            var budget = Math.Max(1024, reasoning.Budget);
            if (budget >= request.MaxOutputTokens)
                body["max_tokens"] = budget + Math.Min(request.MaxOutputTokens ?? 4096, 4096);
            body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget };
        }
        if (request.Temperature is { } temperature)
            body["temperature"] = Math.Min(temperature, 1.0);
        if (request.TopP is { } topP)
            body["top_p"] = topP;
        if (request.TopK is { } topK)
            body["top_k"] = topK;
        if (request.StopSequences.Count > 0)
            body["stop_sequences"] = new JsonArray([.. request.StopSequences.Select(s => (JsonNode)s)]);
        if (request.User is { } user)
            body["metadata"] = new JsonObject { ["user_id"] = user };
        if (request.Format is { } format)
            body["output_format"] = new JsonObject { ["type"] = "json_schema", ["schema"] = format.Schema?.DeepClone() ?? new JsonObject { ["type"] = "object" } };
        if (request.Stream)
            body["stream"] = true;
        return body;
    }

    public JsonObject EncodeCountRequest(ChatRequest request, string model)
    {
        if (request.Format is { Schema: null })
            throw new NotTranslatableException("JSON mode without a schema (response_format json_object) cannot be translated to an Anthropic model; give a JSON schema.");
        var body = new JsonObject { ["model"] = model };
        if (request.System.Count > 0)
        {
            var system = new JsonArray([.. request.System.Select(p => (JsonNode)new JsonObject { ["type"] = "text", ["text"] = Json.JoinText([p]) })]);
            if (request.Cache)
                system[^1]!["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
            body["system"] = system;
        }
        var messages = new JsonArray();
        foreach (var message in request.Messages)
        {
            var content = new JsonArray();
            // Anthropic wants tool results first in a user turn.
            foreach (var part in message.Parts.OrderBy(p => p is ToolResultPart ? 0 : 1))
            {
                if (EncodePart(part) is { } block)
                    content.Add(block);
            }
            if (content.Count == 0)
                continue;
            var role = message.Role == ChatRole.Assistant ? "assistant" : "user";
            // Consecutive turns of one role (e.g. tool results, then an image sent after them) become one turn.
            if (messages.Count > 0 && messages[^1]!["role"]!.GetValue<string>() == role)
            {
                foreach (var block in content.ToList())
                {
                    content.Remove(block);
                    messages[^1]!["content"]!.AsArray().Add(block);
                }
            }
            else
                messages.Add(new JsonObject { ["role"] = role, ["content"] = content });
        }
        if (request.Cache && messages.Count > 0 && messages[^1]!["content"] is JsonArray { Count: > 0 } last && last[^1] is JsonObject lastBlock
            && lastBlock["type"]?.GetValue<string>() is not ("thinking" or "redacted_thinking"))
            lastBlock["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
        body["messages"] = messages;
        if (request.Tools.Count > 0)
            body["tools"] = new JsonArray([.. request.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name, ["description"] = t.Description, ["input_schema"] = t.Schema.DeepClone(),
            })]);
        if (request.ToolChoice is not null || request.ParallelToolCalls == false)
        {
            var choice = request.ToolChoice ?? new ToolChoice(ToolChoiceKind.Auto);
            var node = new JsonObject
            {
                ["type"] = choice.Kind switch { ToolChoiceKind.None => "none", ToolChoiceKind.Required => "any", ToolChoiceKind.Tool => "tool", _ => "auto" },
            };
            if (choice.Kind == ToolChoiceKind.Tool)
                node["name"] = choice.Name;
            if (request.ParallelToolCalls == false && choice.Kind != ToolChoiceKind.None)
                node["disable_parallel_tool_use"] = true;
            if (request.Tools.Count > 0)
                body["tool_choice"] = node;
        }
        return body;
    }

    private static JsonObject? EncodePart(Part part) => part switch
    {
        TextPart text when text.Text.Length == 0 => null,
        TextPart text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        ImagePart { Data: { } data } image => new JsonObject
            { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = image.MediaType, ["data"] = data } },
        ImagePart image => new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = image.Url } },
        DocumentPart { MediaType: "text/plain", Data: { } data } document => new JsonObject
        {
            ["type"] = "document", ["title"] = document.Title,
            ["source"] = new JsonObject { ["type"] = "text", ["media_type"] = "text/plain", ["data"] = Encoding.UTF8.GetString(Convert.FromBase64String(data)) },
        },
        DocumentPart { MediaType: "application/pdf" } document => new JsonObject
        {
            ["type"] = "document", ["title"] = document.Title,
            ["source"] = document.Data is { } pdf
                ? new JsonObject { ["type"] = "base64", ["media_type"] = "application/pdf", ["data"] = pdf }
                : new JsonObject { ["type"] = "url", ["url"] = document.Url },
        },
        DocumentPart document => throw new NotTranslatableException($"Documents of type '{document.MediaType}' cannot be sent to an Anthropic model (PDF and plain text can)."),
        // A signature from another provider would be refused; Anthropic ignores earlier turns' thinking anyway.
        ThinkingPart { Signature: { } signature } thinking when !signature.StartsWith(ThinkingPart.OpenAIReasoning, StringComparison.Ordinal) && thinking.Text.Length > 0 =>
            new JsonObject { ["type"] = "thinking", ["thinking"] = thinking.Text, ["signature"] = signature },
        ThinkingPart => null,
        RedactedThinkingPart redacted => new JsonObject { ["type"] = "redacted_thinking", ["data"] = redacted.Data },
        ToolCallPart call => new JsonObject
            { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = Json.ArgumentsObject(call.Arguments, call.Name) },
        ToolResultPart result => new JsonObject
        {
            ["type"] = "tool_result", ["tool_use_id"] = result.CallId,
            ["content"] = result.Content.All(p => p is TextPart)
                ? Json.JoinText(result.Content)
                : new JsonArray([.. result.Content.Select(EncodePart).Where(b => b is not null)]),
            ["is_error"] = result.IsError ? true : null,
        },
        _ => throw new NotTranslatableException($"{part.GetType().Name} cannot be sent to an Anthropic model."),
    };

    public ChatResponse DecodeResponse(JsonElement body)
    {
        var response = new ChatResponse
        {
            Id = body.GetProperty("id").GetString() ?? "",
            Model = body.TryGetProperty("model", out var model) ? model.GetString() ?? "" : "",
            StopReason = StopReasonOf(body.TryGetProperty("stop_reason", out var stop) ? stop.GetString() : null),
            StopSequence = body.TryGetProperty("stop_sequence", out var sequence) && sequence.ValueKind == JsonValueKind.String ? sequence.GetString() : null,
        };
        response.Usage.Apply(ApiDialect.Anthropic, body);
        foreach (var block in body.GetProperty("content").EnumerateArray())
        {
            Part? part = block.GetProperty("type").GetString() switch
            {
                "text" => new TextPart(block.GetProperty("text").GetString() ?? ""),
                "thinking" => new ThinkingPart(block.GetProperty("thinking").GetString() ?? "", block.TryGetProperty("signature", out var s) ? s.GetString() : null),
                "redacted_thinking" => new RedactedThinkingPart(block.GetProperty("data").GetString() ?? ""),
                "tool_use" => new ToolCallPart(block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!, block.GetProperty("input").GetRawText()),
                _ => null,
            };
            if (part is not null)
                response.Content.Add(part);
        }
        return response;
    }

    internal static StopReason StopReasonOf(string? reason) => reason switch
    {
        "max_tokens" or "model_context_window_exceeded" => StopReason.MaxTokens,
        "stop_sequence" => StopReason.StopSequence,
        "tool_use" => StopReason.ToolUse,
        "refusal" => StopReason.Refusal,
        _ => StopReason.EndTurn,
    };

    private static string StopReasonName(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "max_tokens",
        StopReason.StopSequence => "stop_sequence",
        StopReason.ToolUse => "tool_use",
        StopReason.Refusal => "refusal",
        _ => "end_turn",
    };

    private static JsonObject Usage(in TokenUsage usage) => new()
    {
        ["input_tokens"] = usage.Input, ["cache_creation_input_tokens"] = usage.CacheWrite, ["cache_read_input_tokens"] = usage.CacheRead, ["output_tokens"] = usage.Output,
    };

    public JsonObject EncodeResponse(ChatResponse response, ChatRequest request, string model) => new()
    {
        ["id"] = AnthropicId(response.Id), ["type"] = "message", ["role"] = "assistant", ["model"] = model,
        ["content"] = new JsonArray([.. response.Content.Select(p => (JsonNode)(p switch
        {
            TextPart text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
            ThinkingPart thinking => new JsonObject { ["type"] = "thinking", ["thinking"] = thinking.Text, ["signature"] = thinking.Signature ?? "" },
            RedactedThinkingPart redacted => new JsonObject { ["type"] = "redacted_thinking", ["data"] = redacted.Data },
            ToolCallPart call => new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = Json.ArgumentsObject(call.Arguments, call.Name) },
            _ => new JsonObject { ["type"] = "text", ["text"] = "" },
        }))]),
        ["stop_reason"] = StopReasonName(response.StopReason), ["stop_sequence"] = response.StopSequence,
        ["usage"] = Usage(response.Usage),
    };

    private static string AnthropicId(string id) => id.StartsWith("msg_", StringComparison.Ordinal) ? id : "msg_" + id;

    public IStreamDecoder NewStreamDecoder() => new StreamDecoder();

    public IStreamEncoder NewStreamEncoder(ChatRequest request, string model) => new StreamEncoder(model);

    public long DecodeCount(JsonElement body) => body.GetProperty("input_tokens").GetInt64();

    public JsonObject EncodeCount(long inputTokens) => new() { ["input_tokens"] = inputTokens };

    /// <summary>Anthropic's events map nearly one to one; the finish waits for <c>message_stop</c>, since the last
    /// <c>message_delta</c> carries the stop reason and the final usage.</summary>
    private sealed class StreamDecoder : IStreamDecoder
    {
        private TokenUsage _usage;
        private StopReason _stop;
        private string? _stopSequence;
        private bool _finished;
        private readonly Dictionary<int, bool> _skipped = [];

        public void Decode(JsonElement data, List<StreamEvent> events)
        {
            switch (data.GetProperty("type").GetString())
            {
                case "message_start":
                    var message = data.GetProperty("message");
                    _usage.Apply(ApiDialect.Anthropic, data);
                    events.Add(new StartEvent(message.GetProperty("id").GetString() ?? "", message.TryGetProperty("model", out var m) ? m.GetString() ?? "" : ""));
                    break;
                case "content_block_start":
                    var index = data.GetProperty("index").GetInt32();
                    var block = data.GetProperty("content_block");
                    Part? part = block.GetProperty("type").GetString() switch
                    {
                        "text" => new TextPart(""),
                        "thinking" => new ThinkingPart("", null),
                        "redacted_thinking" => new RedactedThinkingPart(block.GetProperty("data").GetString() ?? ""),
                        "tool_use" => new ToolCallPart(block.GetProperty("id").GetString()!, block.GetProperty("name").GetString()!, ""),
                        _ => null,
                    };
                    if (part is null)
                        _skipped[index] = true;
                    else
                        events.Add(new BlockStartEvent(index, part));
                    break;
                case "content_block_delta":
                    index = data.GetProperty("index").GetInt32();
                    if (_skipped.ContainsKey(index))
                        break;
                    var delta = data.GetProperty("delta");
                    switch (delta.GetProperty("type").GetString())
                    {
                        case "text_delta":
                            events.Add(new DeltaEvent(index, delta.GetProperty("text").GetString() ?? ""));
                            break;
                        case "thinking_delta":
                            events.Add(new DeltaEvent(index, delta.GetProperty("thinking").GetString() ?? ""));
                            break;
                        case "input_json_delta":
                            events.Add(new DeltaEvent(index, delta.GetProperty("partial_json").GetString() ?? ""));
                            break;
                        case "signature_delta":
                            events.Add(new SignatureEvent(index, delta.GetProperty("signature").GetString() ?? ""));
                            break;
                    }
                    break;
                case "content_block_stop":
                    index = data.GetProperty("index").GetInt32();
                    if (!_skipped.ContainsKey(index))
                        events.Add(new BlockStopEvent(index));
                    break;
                case "message_delta":
                    _usage.Apply(ApiDialect.Anthropic, data);
                    var messageDelta = data.GetProperty("delta");
                    _stop = StopReasonOf(messageDelta.TryGetProperty("stop_reason", out var reason) ? reason.GetString() : null);
                    _stopSequence = messageDelta.TryGetProperty("stop_sequence", out var sequence) && sequence.ValueKind == JsonValueKind.String ? sequence.GetString() : null;
                    break;
                case "message_stop":
                    _finished = true;
                    events.Add(new FinishEvent(_stop, _stopSequence, _usage));
                    break;
                case "error":
                    events.Add(new ErrorEvent(data.GetProperty("error").GetProperty("message").GetString() ?? "The provider failed."));
                    break;
            }
        }

        public void End(List<StreamEvent> events)
        {
            // No message_stop: the stream was cut short, and the client must see it cut short too.
            _ = _finished;
        }
    }

    /// <summary>Writes Anthropic's event sequence: message_start, then per block content_block_start, deltas and
    /// content_block_stop (numbered from 0 in order), then message_delta with the stop reason and usage, and message_stop.</summary>
    private sealed class StreamEncoder(string model) : IStreamEncoder
    {
        private readonly Dictionary<int, (int Index, Part Block)> _blocks = [];
        private int _next;
        private string _id = "";

        public string ContentType => "text/event-stream; charset=utf-8";

        public void Encode(StreamEvent streamEvent, StringBuilder output)
        {
            switch (streamEvent)
            {
                case StartEvent start:
                    _id = AnthropicId(start.Id);
                    Write(output, "message_start", new JsonObject
                    {
                        ["type"] = "message_start",
                        ["message"] = new JsonObject
                        {
                            ["id"] = _id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = new JsonArray(),
                            ["stop_reason"] = null, ["stop_sequence"] = null, ["usage"] = Usage(default),
                        },
                    });
                    break;
                case BlockStartEvent blockStart:
                    var index = _next++;
                    _blocks[blockStart.Index] = (index, blockStart.Block);
                    Write(output, "content_block_start", new JsonObject
                    {
                        ["type"] = "content_block_start", ["index"] = index,
                        ["content_block"] = blockStart.Block switch
                        {
                            ThinkingPart => new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" },
                            RedactedThinkingPart redacted => new JsonObject { ["type"] = "redacted_thinking", ["data"] = redacted.Data },
                            ToolCallPart call => new JsonObject { ["type"] = "tool_use", ["id"] = call.Id, ["name"] = call.Name, ["input"] = new JsonObject() },
                            _ => new JsonObject { ["type"] = "text", ["text"] = "" },
                        },
                    });
                    break;
                case DeltaEvent delta when _blocks.TryGetValue(delta.Index, out var open) && delta.Text.Length > 0:
                    Write(output, "content_block_delta", new JsonObject
                    {
                        ["type"] = "content_block_delta", ["index"] = open.Index,
                        ["delta"] = open.Block switch
                        {
                            ThinkingPart => new JsonObject { ["type"] = "thinking_delta", ["thinking"] = delta.Text },
                            ToolCallPart => new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = delta.Text },
                            _ => new JsonObject { ["type"] = "text_delta", ["text"] = delta.Text },
                        },
                    });
                    break;
                case SignatureEvent signature when _blocks.TryGetValue(signature.Index, out var open) && open.Block is ThinkingPart:
                    Write(output, "content_block_delta", new JsonObject
                    {
                        ["type"] = "content_block_delta", ["index"] = open.Index,
                        ["delta"] = new JsonObject { ["type"] = "signature_delta", ["signature"] = signature.Signature },
                    });
                    break;
                case BlockStopEvent stop when _blocks.Remove(stop.Index, out var closed):
                    Write(output, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = closed.Index });
                    break;
                case FinishEvent finish:
                    foreach (var open in _blocks.Values.OrderBy(b => b.Index).ToList())
                        Write(output, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = open.Index });
                    _blocks.Clear();
                    Write(output, "message_delta", new JsonObject
                    {
                        ["type"] = "message_delta",
                        ["delta"] = new JsonObject { ["stop_reason"] = StopReasonName(finish.Reason), ["stop_sequence"] = finish.StopSequence },
                        ["usage"] = Usage(finish.Usage),
                    });
                    Write(output, "message_stop", new JsonObject { ["type"] = "message_stop" });
                    break;
                case ErrorEvent error:
                    Write(output, "error", new JsonObject
                        { ["type"] = "error", ["error"] = new JsonObject { ["type"] = "api_error", ["message"] = error.Message } });
                    break;
            }
        }

        public void End(StringBuilder output, bool finished)
        {
        }

        private static void Write(StringBuilder output, string name, JsonObject data) =>
            output.Append("event: ").Append(name).Append("\ndata: ").Append(Json.Text(data)).Append("\n\n");
    }
}
