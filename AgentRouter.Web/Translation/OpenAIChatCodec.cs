using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>OpenAI Chat Completions (<c>/v1/chat/completions</c>).</summary>
public sealed class OpenAIChatCodec : IDialectCodec
{
    public static readonly OpenAIChatCodec Instance = new();

    private static readonly HashSet<string> Known =
    [
        "model", "messages", "max_tokens", "max_completion_tokens", "stream", "stream_options", "temperature", "top_p", "stop", "tools",
        "tool_choice", "parallel_tool_calls", "response_format", "reasoning_effort", "user", "safety_identifier", "n", "service_tier",
        "prompt_cache_key", "metadata",
    ];

    public string Name => "the OpenAI Chat Completions API";

    public ChatRequest DecodeRequest(JsonObject body, string target)
    {
        Json.OnlyKnown(body, "", target, Known);
        if (Json.Integer(body["n"], "n") is > 1)
            throw new NotTranslatableException($"\"n\" above 1 (several answers per request) has no equivalent at {target}.");
        var request = new ChatRequest
        {
            Stream = Json.Bool(body["stream"], "stream") ?? false,
            MaxOutputTokens = Json.Integer(body["max_completion_tokens"], "max_completion_tokens") ?? Json.Integer(body["max_tokens"], "max_tokens"),
            Temperature = Json.Number(body["temperature"], "temperature"),
            TopP = Json.Number(body["top_p"], "top_p"),
            User = Json.String(body["safety_identifier"], "safety_identifier") ?? Json.String(body["user"], "user"),
            IncludeUsage = Json.Bool(Json.Object(body["stream_options"], "stream_options")?["include_usage"], "stream_options.include_usage") ?? false,
            Cache = body["prompt_cache_key"] is not null,
        };
        switch (body["stop"])
        {
            case null:
                break;
            case JsonArray stops:
                request.StopSequences.AddRange(stops.Select(s => Json.RequiredString(s, "stop[]")));
                break;
            default:
                request.StopSequences.Add(Json.RequiredString(body["stop"], "stop"));
                break;
        }
        if (Json.String(body["reasoning_effort"], "reasoning_effort") is { } effort)
            request.Reasoning = effort is "none" ? new Reasoning(false, null, null) : new Reasoning(true, null, effort);
        request.ParallelToolCalls = Json.Bool(body["parallel_tool_calls"], "parallel_tool_calls");
        foreach (var tool in Json.Objects(body["tools"], "tools"))
        {
            if (Json.String(tool["type"], "tools[].type") != "function")
                throw new NotTranslatableException($"Tools of type '{tool["type"]}' cannot be translated to {target}.");
            var function = Json.Object(tool["function"], "tools[].function") ?? throw new NotTranslatableException("\"tools[].function\" is required.");
            request.Tools.Add(new ToolDefinition(Json.RequiredString(function["name"], "function.name"), Json.String(function["description"], "function.description"),
                function["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }, Json.Bool(function["strict"], "function.strict")));
        }
        request.ToolChoice = body["tool_choice"] switch
        {
            null => null,
            JsonObject choice => new ToolChoice(ToolChoiceKind.Tool, Json.RequiredString(Json.Object(choice["function"], "tool_choice.function")?["name"], "tool_choice.function.name")),
            var choice => Json.String(choice, "tool_choice") switch
            {
                "auto" => new ToolChoice(ToolChoiceKind.Auto),
                "none" => new ToolChoice(ToolChoiceKind.None),
                "required" => new ToolChoice(ToolChoiceKind.Required),
                var other => throw new NotTranslatableException($"tool_choice '{other}' cannot be translated."),
            },
        };
        if (Json.Object(body["response_format"], "response_format") is { } format)
        {
            request.Format = Json.String(format["type"], "response_format.type") switch
            {
                "text" => null,
                "json_object" => new OutputFormat(null, null, null),
                "json_schema" when Json.Object(format["json_schema"], "response_format.json_schema") is { } schema =>
                    new OutputFormat(schema["schema"]?.DeepClone(), Json.String(schema["name"], "json_schema.name"), Json.Bool(schema["strict"], "json_schema.strict")),
                var other => throw new NotTranslatableException($"response_format type '{other}' cannot be translated."),
            };
        }

        var toolNames = new Dictionary<string, string>();
        foreach (var message in Json.Objects(body["messages"], "messages"))
        {
            var role = Json.RequiredString(message["role"], "messages[].role");
            switch (role)
            {
                case "system" or "developer":
                    request.System.AddRange(DecodeContent(message["content"], "system content"));
                    break;
                case "user":
                    Add(request, ChatRole.User, DecodeContent(message["content"], "user content"));
                    break;
                case "assistant":
                    var parts = new List<Part>();
                    if (Json.String(message["reasoning_content"], "reasoning_content") is { Length: > 0 } reasoning)
                        parts.Add(new ThinkingPart(reasoning, null));
                    if (message["content"] is not null)
                        parts.AddRange(DecodeContent(message["content"], "assistant content"));
                    if (Json.String(message["refusal"], "refusal") is { Length: > 0 } refusal)
                        parts.Add(new TextPart(refusal));
                    foreach (var call in Json.Objects(message["tool_calls"], "tool_calls"))
                    {
                        if (Json.String(call["type"], "tool_calls[].type") is not (null or "function"))
                            throw new NotTranslatableException($"Tool calls of type '{call["type"]}' cannot be translated.");
                        var function = Json.Object(call["function"], "tool_calls[].function") ?? throw new NotTranslatableException("\"tool_calls[].function\" is required.");
                        var id = Json.RequiredString(call["id"], "tool_calls[].id");
                        var name = Json.RequiredString(function["name"], "function.name");
                        toolNames[id] = name;
                        parts.Add(new ToolCallPart(id, name, Json.String(function["arguments"], "function.arguments") ?? "{}"));
                    }
                    Add(request, ChatRole.Assistant, parts);
                    break;
                case "tool":
                    var callId = Json.RequiredString(message["tool_call_id"], "tool_call_id");
                    Add(request, ChatRole.User, [new ToolResultPart(callId, toolNames.GetValueOrDefault(callId), DecodeContent(message["content"], "tool content"), false)]);
                    break;
                default:
                    throw new NotTranslatableException($"Messages with role '{role}' cannot be translated to {target}.");
            }
        }
        return request;
    }

    /// <summary>Adds a message, merging it into the previous one of the same role (tool results follow one another).</summary>
    internal static void Add(ChatRequest request, ChatRole role, List<Part> parts)
    {
        if (request.Messages.Count > 0 && request.Messages[^1].Role == role)
            request.Messages[^1].Parts.AddRange(parts);
        else
            request.Messages.Add(new ChatMessage(role, parts));
    }

    private static List<Part> DecodeContent(JsonNode? content, string where)
    {
        if (content is null)
            return [];
        if (content is JsonValue)
            return [new TextPart(Json.RequiredString(content, where))];
        var parts = new List<Part>();
        foreach (var part in Json.Objects(content, where))
        {
            var type = Json.RequiredString(part["type"], where + " type");
            parts.Add(type switch
            {
                "text" => new TextPart(Json.RequiredString(part["text"], "text")),
                "refusal" => new TextPart(Json.RequiredString(part["refusal"], "refusal")),
                "image_url" => Image(Json.RequiredString(Json.Object(part["image_url"], "image_url")?["url"], "image_url.url")),
                "file" => File(Json.Object(part["file"], "file") ?? throw new NotTranslatableException("\"file\" is required.")),
                _ => throw new NotTranslatableException($"Content parts of type '{type}' cannot be translated to another provider."),
            });
        }
        return parts;
    }

    internal static ImagePart Image(string url) =>
        Json.TryParseDataUrl(url, out var mediaType, out var data) ? new ImagePart(mediaType, data, null) : new ImagePart(null, null, url);

    private static DocumentPart File(JsonObject file)
    {
        if (file["file_id"] is not null)
            throw new NotTranslatableException("Files uploaded to OpenAI (file_id) cannot be sent to another provider; send the file inline (file_data).");
        var url = Json.RequiredString(file["file_data"], "file.file_data");
        if (!Json.TryParseDataUrl(url, out var mediaType, out var data))
            throw new NotTranslatableException("\"file.file_data\" must be a base64 data URL.");
        return new DocumentPart(mediaType, data, null, Json.String(file["filename"], "file.filename"));
    }

    public JsonObject EncodeRequest(ChatRequest request, string model)
    {
        var body = new JsonObject { ["model"] = model, ["messages"] = EncodeMessages(request) };
        if (request.MaxOutputTokens is { } max)
            body["max_completion_tokens"] = max;
        if (request.Temperature is { } temperature)
            body["temperature"] = temperature;
        if (request.TopP is { } topP)
            body["top_p"] = topP;
        if (request.TopK is not null)
            throw new NotTranslatableException("\"top_k\" has no equivalent at an OpenAI model.");
        if (request.StopSequences.Count > 0)
            body["stop"] = new JsonArray([.. request.StopSequences.Select(s => (JsonNode)s)]);
        if (request.Reasoning is { Enabled: true } reasoning)
            body["reasoning_effort"] = reasoning.EffortLevel;
        if (request.Tools.Count > 0)
        {
            body["tools"] = new JsonArray([.. request.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = t.Schema.DeepClone(), ["strict"] = t.Strict },
            })]);
            if (request.ToolChoice is { } choice)
                body["tool_choice"] = choice.Kind switch
                {
                    ToolChoiceKind.Tool => new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = choice.Name } },
                    ToolChoiceKind.None => "none",
                    ToolChoiceKind.Required => "required",
                    _ => "auto",
                };
            if (request.ParallelToolCalls is { } parallel)
                body["parallel_tool_calls"] = parallel;
        }
        if (request.Format is { } format)
            body["response_format"] = format.Schema is null
                ? new JsonObject { ["type"] = "json_object" }
                : new JsonObject
                {
                    ["type"] = "json_schema",
                    ["json_schema"] = new JsonObject { ["name"] = format.Name ?? "output", ["schema"] = format.Schema.DeepClone(), ["strict"] = format.Strict },
                };
        if (request.User is { } user)
            body["user"] = user;
        if (request.Stream)
        {
            body["stream"] = true;
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }
        return body;
    }

    private static JsonArray EncodeMessages(ChatRequest request)
    {
        var messages = new JsonArray();
        if (request.System.Count > 0)
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = string.Join("\n\n", request.System.OfType<TextPart>().Select(p => p.Text)) });
        foreach (var message in request.Messages)
        {
            if (message.Role == ChatRole.Assistant)
            {
                var text = Json.JoinText(message.Parts);
                var calls = message.Parts.OfType<ToolCallPart>().Select(c => (JsonNode)new JsonObject
                {
                    ["id"] = c.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
                }).ToArray();
                var assistant = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 || calls.Length == 0 ? text : null };
                if (calls.Length > 0)
                    assistant["tool_calls"] = new JsonArray(calls);
                messages.Add(assistant);
                continue;
            }
            // Tool results become "tool" messages; what they carry besides text (images) follows in a user message.
            var carried = new List<Part>();
            foreach (var result in message.Parts.OfType<ToolResultPart>())
            {
                messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = result.CallId, ["content"] = (result.IsError ? "Error: " : "") + Json.JoinText(result.Content) });
                carried.AddRange(result.Content.Where(p => p is not TextPart));
            }
            var user = carried.Concat(message.Parts.Where(p => p is not ToolResultPart)).ToList();
            if (user.Count > 0)
                messages.Add(new JsonObject
                {
                    ["role"] = "user",
                    ["content"] = user.All(p => p is TextPart) ? Json.JoinText(user) : new JsonArray([.. user.Select(p => (JsonNode)EncodeUserPart(p))]),
                });
        }
        return messages;
    }

    private static JsonObject EncodeUserPart(Part part) => part switch
    {
        TextPart text => new JsonObject { ["type"] = "text", ["text"] = text.Text },
        ImagePart image => new JsonObject
            { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = image.Data is { } data ? Json.DataUrl(image.MediaType ?? "image/png", data) : image.Url } },
        DocumentPart { Data: { } data } document => new JsonObject
        {
            ["type"] = "file", ["file"] = new JsonObject { ["filename"] = document.Title ?? "document.pdf", ["file_data"] = Json.DataUrl(document.MediaType, data) },
        },
        DocumentPart => throw new NotTranslatableException("Documents by URL cannot be sent to an OpenAI model; send them inline."),
        _ => throw new NotTranslatableException($"{part.GetType().Name} cannot be sent in a user message to an OpenAI model."),
    };

    public ChatResponse DecodeResponse(JsonElement body)
    {
        var response = new ChatResponse
        {
            Id = body.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            Model = body.TryGetProperty("model", out var model) ? model.GetString() ?? "" : "",
        };
        response.Usage.Apply(ApiDialect.OpenAI, body);
        var choice = body.GetProperty("choices")[0];
        var message = choice.GetProperty("message");
        if (message.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.String)
            response.Content.Add(new ThinkingPart(reasoning.GetString()!, null));
        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
            response.Content.Add(new TextPart(text));
        if (message.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String)
            response.Content.Add(new TextPart(refusal.GetString()!));
        if (message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            foreach (var call in calls.EnumerateArray())
                response.Content.Add(new ToolCallPart(call.GetProperty("id").GetString()!, call.GetProperty("function").GetProperty("name").GetString()!,
                    call.GetProperty("function").GetProperty("arguments").GetString() ?? "{}"));
        response.StopReason = StopReasonOf(choice.TryGetProperty("finish_reason", out var finish) ? finish.GetString() : null, refusal.ValueKind == JsonValueKind.String);
        return response;
    }

    private static StopReason StopReasonOf(string? reason, bool refused) => refused ? StopReason.Refusal : reason switch
    {
        "length" => StopReason.MaxTokens,
        "tool_calls" or "function_call" => StopReason.ToolUse,
        "content_filter" => StopReason.Refusal,
        _ => StopReason.EndTurn,
    };

    private static string FinishReason(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "length",
        StopReason.ToolUse => "tool_calls",
        StopReason.Refusal => "content_filter",
        _ => "stop",
    };

    internal static JsonObject Usage(in TokenUsage usage) => new()
    {
        ["prompt_tokens"] = usage.Input + usage.CacheRead + usage.CacheWrite, ["completion_tokens"] = usage.Output,
        ["total_tokens"] = usage.Input + usage.CacheRead + usage.CacheWrite + usage.Output,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CacheRead },
        ["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = usage.Reasoning },
    };

    public JsonObject EncodeResponse(ChatResponse response, ChatRequest request, string model)
    {
        var text = Json.JoinText(response.Content);
        var message = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 || !response.Content.OfType<ToolCallPart>().Any() ? text : null, ["refusal"] = null };
        var thinking = string.Concat(response.Content.OfType<ThinkingPart>().Select(t => t.Text));
        if (thinking.Length > 0)
            message["reasoning_content"] = thinking;
        var calls = response.Content.OfType<ToolCallPart>().ToList();
        if (calls.Count > 0)
            message["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments },
            })]);
        return new JsonObject
        {
            ["id"] = ChatId(response.Id), ["object"] = "chat.completion", ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = FinishReason(response.StopReason) }),
            ["usage"] = Usage(response.Usage),
        };
    }

    private static string ChatId(string id) => id.StartsWith("chatcmpl-", StringComparison.Ordinal) ? id : "chatcmpl-" + id;

    public IStreamDecoder NewStreamDecoder() => new StreamDecoder();

    public IStreamEncoder NewStreamEncoder(ChatRequest request, string model) => new StreamEncoder(model, request.IncludeUsage);

    public JsonObject EncodeCountRequest(ChatRequest request, string model) =>
        throw new NotTranslatableException("The OpenAI Chat Completions API has no token-counting endpoint.");

    public long DecodeCount(JsonElement body) => throw new NotSupportedException();

    public JsonObject EncodeCount(long inputTokens) => throw new NotSupportedException();

    /// <summary>Chunks carry content, reasoning and tool-call pieces without block boundaries: a block opens when the
    /// kind changes or a new tool call index appears. The finish waits for the usage chunk (or the end).</summary>
    private sealed class StreamDecoder : IStreamDecoder
    {
        private readonly StreamBlocks _blocks = new();
        private readonly Dictionary<int, int> _toolBlocks = [];
        private string? _finishReason;
        private bool _refused;
        private TokenUsage _usage;
        private bool _finished;

        public void Decode(JsonElement data, List<StreamEvent> events)
        {
            if (data.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                events.Add(new ErrorEvent(error.TryGetProperty("message", out var m) ? m.GetString() ?? "The provider failed." : "The provider failed."));
                return;
            }
            _blocks.Start(events, data.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "", data.TryGetProperty("model", out var model) ? model.GetString() ?? "" : "");
            if (data.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                _usage.Apply(ApiDialect.OpenAI, data);
            if (!data.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
                return;
            var choice = choices[0];
            if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
            {
                if (delta.TryGetProperty("reasoning_content", out var reasoning) && reasoning.ValueKind == JsonValueKind.String && reasoning.GetString() is { Length: > 0 } thought)
                    events.Add(new DeltaEvent(_blocks.Ensure(events, () => new ThinkingPart("", null)), thought));
                if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
                    events.Add(new DeltaEvent(_blocks.Ensure(events, () => new TextPart("")), text));
                if (delta.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String && refusal.GetString() is { Length: > 0 } refused)
                {
                    _refused = true;
                    events.Add(new DeltaEvent(_blocks.Ensure(events, () => new TextPart("")), refused));
                }
                if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (var call in calls.EnumerateArray())
                    {
                        var callIndex = call.TryGetProperty("index", out var i) ? i.GetInt32() : 0;
                        var function = call.TryGetProperty("function", out var f) ? f : default;
                        if (!_toolBlocks.TryGetValue(callIndex, out var block))
                        {
                            var name = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
                            var callId = call.TryGetProperty("id", out var cid) ? cid.GetString() ?? Json.NewId("call_") : Json.NewId("call_");
                            block = _toolBlocks[callIndex] = _blocks.Open(events, new ToolCallPart(callId, name, ""));
                        }
                        if (function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out var arguments) && arguments.GetString() is { Length: > 0 } piece)
                            events.Add(new DeltaEvent(block, piece));
                    }
                }
            }
            if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
            {
                _finishReason = finish.GetString();
                _blocks.Close(events);
            }
        }

        public void End(List<StreamEvent> events)
        {
            // [DONE] (or the end of a stream that had a finish reason) finishes; a stream without one was cut short.
            if (_finished || _finishReason is null)
                return;
            _finished = true;
            _blocks.Close(events);
            events.Add(new FinishEvent(StopReasonOf(_finishReason, _refused), null, _usage));
        }
    }

    /// <summary>Writes chat.completion.chunk events: the role first, then content, reasoning_content and tool-call
    /// deltas (each call's id and name in its first chunk), the finish reason, the usage chunk when asked, and [DONE].</summary>
    private sealed class StreamEncoder(string model, bool includeUsage) : IStreamEncoder
    {
        private readonly Dictionary<int, (Part Block, int ToolIndex)> _blocks = [];
        private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        private string _id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        private int _tools;

        public string ContentType => "text/event-stream; charset=utf-8";

        public void Encode(StreamEvent streamEvent, StringBuilder output)
        {
            switch (streamEvent)
            {
                case StartEvent start:
                    _id = ChatId(start.Id.Length > 0 ? start.Id : _id);
                    Chunk(output, new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
                    break;
                case BlockStartEvent blockStart:
                    var toolIndex = blockStart.Block is ToolCallPart ? _tools++ : -1;
                    _blocks[blockStart.Index] = (blockStart.Block, toolIndex);
                    if (blockStart.Block is ToolCallPart call)
                        Chunk(output, new JsonObject
                        {
                            ["tool_calls"] = new JsonArray(new JsonObject
                            {
                                ["index"] = toolIndex, ["id"] = call.Id, ["type"] = "function",
                                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
                            }),
                        }, null);
                    break;
                case DeltaEvent delta when _blocks.TryGetValue(delta.Index, out var open) && delta.Text.Length > 0:
                    Chunk(output, open.Block switch
                    {
                        ToolCallPart => new JsonObject
                            { ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = open.ToolIndex, ["function"] = new JsonObject { ["arguments"] = delta.Text } }) },
                        ThinkingPart => new JsonObject { ["reasoning_content"] = delta.Text },
                        _ => new JsonObject { ["content"] = delta.Text },
                    }, null);
                    break;
                case FinishEvent finish:
                    Chunk(output, new JsonObject(), FinishReason(finish.Reason));
                    if (includeUsage)
                        Data(output, new JsonObject
                        {
                            ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = model,
                            ["choices"] = new JsonArray(), ["usage"] = Usage(finish.Usage),
                        });
                    break;
                case ErrorEvent error:
                    Data(output, new JsonObject { ["error"] = new JsonObject { ["message"] = error.Message, ["type"] = "api_error", ["param"] = null, ["code"] = null } });
                    break;
            }
        }

        public void End(StringBuilder output, bool finished)
        {
            if (finished)
                output.Append("data: [DONE]\n\n");
        }

        private void Chunk(StringBuilder output, JsonObject delta, string? finishReason) => Data(output, new JsonObject
        {
            ["id"] = _id, ["object"] = "chat.completion.chunk", ["created"] = _created, ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason }),
        });

        private static void Data(StringBuilder output, JsonObject data) => output.Append("data: ").Append(Json.Text(data)).Append("\n\n");
    }
}
