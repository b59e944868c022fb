using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>The OpenAI Responses API (<c>/v1/responses</c>), stateless: the whole conversation in <c>input</c>,
/// <c>store: false</c>, reasoning carried between turns as encrypted content.</summary>
public sealed class OpenAIResponsesCodec : IDialectCodec
{
    public static readonly OpenAIResponsesCodec Instance = new();

    private static readonly HashSet<string> Known =
    [
        "model", "input", "instructions", "max_output_tokens", "stream", "temperature", "top_p", "tools", "tool_choice", "parallel_tool_calls",
        "text", "reasoning", "store", "include", "user", "safety_identifier", "prompt_cache_key", "metadata", "service_tier", "stream_options",
        "truncation", "previous_response_id", "conversation", "background", "prompt", "client_metadata",
    ];

    public string Name => "the OpenAI Responses API";

    public ChatRequest DecodeRequest(JsonObject body, string target)
    {
        Json.OnlyKnown(body, "", target, Known);
        // What needs state kept between requests: only OpenAI itself holds it.
        foreach (var stateful in new[] { "previous_response_id", "conversation", "prompt" })
        {
            if (body[stateful] is not null)
                throw new NotTranslatableException($"\"{stateful}\" needs state stored at OpenAI, which {target} does not have: send the whole conversation in \"input\" with \"store\": false.");
        }
        if (Json.Bool(body["store"], "store") == true)
            throw new NotTranslatableException($"\"store\": true keeps the response at OpenAI for later requests; {target} cannot. Send \"store\": false and the whole conversation in \"input\".");
        if (Json.Bool(body["background"], "background") == true)
            throw new NotTranslatableException($"\"background\" responses need state stored at OpenAI, which {target} does not have.");
        if (Json.String(body["truncation"], "truncation") is "auto")
            throw new NotTranslatableException($"\"truncation\": \"auto\" has no equivalent at {target}.");
        var request = new ChatRequest
        {
            Stream = Json.Bool(body["stream"], "stream") ?? false,
            MaxOutputTokens = Json.Integer(body["max_output_tokens"], "max_output_tokens"),
            Temperature = Json.Number(body["temperature"], "temperature"),
            TopP = Json.Number(body["top_p"], "top_p"),
            User = Json.String(body["safety_identifier"], "safety_identifier") ?? Json.String(body["user"], "user"),
            ParallelToolCalls = Json.Bool(body["parallel_tool_calls"], "parallel_tool_calls"),
            Cache = body["prompt_cache_key"] is not null,
        };
        if (Json.String(body["instructions"], "instructions") is { Length: > 0 } instructions)
            request.System.Add(new TextPart(instructions));
        if (Json.Object(body["reasoning"], "reasoning") is { } reasoning && Json.String(reasoning["effort"], "reasoning.effort") is { } effort)
            request.Reasoning = effort == "none" ? new Reasoning(false, null, null) : new Reasoning(true, null, effort);
        if (Json.Object(body["text"], "text") is { } text && Json.Object(text["format"], "text.format") is { } format)
        {
            request.Format = Json.String(format["type"], "text.format.type") switch
            {
                "text" => null,
                "json_object" => new OutputFormat(null, null, null),
                "json_schema" => new OutputFormat(format["schema"]?.DeepClone(), Json.String(format["name"], "text.format.name"), Json.Bool(format["strict"], "text.format.strict")),
                var other => throw new NotTranslatableException($"text.format type '{other}' cannot be translated."),
            };
        }
        foreach (var tool in Json.Objects(body["tools"], "tools"))
        {
            var type = Json.String(tool["type"], "tools[].type");
            if (type != "function")
                throw new NotTranslatableException($"The tool of type '{type}'{(tool["name"] is { } n ? $" ('{n}')" : "")} is one OpenAI runs or defines itself; {target} cannot run it. Only function tools translate"
                    + (type is "web_search" or "namespace" ? " (Codex CLI: web_search = \"disabled\", [features] multi_agent = false)." : "."));
            request.Tools.Add(new ToolDefinition(Json.RequiredString(tool["name"], "tools[].name"), Json.String(tool["description"], "tools[].description"),
                tool["parameters"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() }, Json.Bool(tool["strict"], "tools[].strict")));
        }
        request.ToolChoice = body["tool_choice"] switch
        {
            null => null,
            JsonObject choice when Json.String(choice["type"], "tool_choice.type") == "function" => new ToolChoice(ToolChoiceKind.Tool, Json.RequiredString(choice["name"], "tool_choice.name")),
            JsonObject choice => throw new NotTranslatableException($"tool_choice type '{choice["type"]}' cannot be translated."),
            var choice => Json.String(choice, "tool_choice") switch
            {
                "auto" => new ToolChoice(ToolChoiceKind.Auto),
                "none" => new ToolChoice(ToolChoiceKind.None),
                "required" => new ToolChoice(ToolChoiceKind.Required),
                var other => throw new NotTranslatableException($"tool_choice '{other}' cannot be translated."),
            },
        };

        if (body["input"] is JsonValue)
        {
            request.Messages.Add(new ChatMessage(ChatRole.User, [new TextPart(Json.RequiredString(body["input"], "input"))]));
            return request;
        }
        var toolNames = new Dictionary<string, string>();
        foreach (var item in Json.Objects(body["input"], "input"))
        {
            var type = Json.String(item["type"], "input[].type") ?? "message";
            switch (type)
            {
                case "message":
                    var role = Json.RequiredString(item["role"], "input[].role");
                    var parts = DecodeContent(item["content"]);
                    if (role is "system" or "developer")
                        request.System.AddRange(parts);
                    else
                        OpenAIChatCodec.Add(request, role == "assistant" ? ChatRole.Assistant : ChatRole.User, parts);
                    break;
                case "function_call":
                    var callId = Json.RequiredString(item["call_id"], "function_call.call_id");
                    var name = Json.RequiredString(item["name"], "function_call.name");
                    toolNames[callId] = name;
                    OpenAIChatCodec.Add(request, ChatRole.Assistant, [new ToolCallPart(callId, name, Json.String(item["arguments"], "function_call.arguments") ?? "{}")]);
                    break;
                case "function_call_output":
                    var outputId = Json.RequiredString(item["call_id"], "function_call_output.call_id");
                    var output = item["output"] is JsonArray ? DecodeContent(item["output"]) : [new TextPart(Json.RequiredString(item["output"], "function_call_output.output"))];
                    OpenAIChatCodec.Add(request, ChatRole.User, [new ToolResultPart(outputId, toolNames.GetValueOrDefault(outputId), output, false)]);
                    break;
                case "reasoning":
                    var summary = string.Join("\n\n", Json.Objects(item["summary"], "reasoning.summary").Select(s => Json.String(s["text"], "summary.text")));
                    var encrypted = Json.String(item["encrypted_content"], "reasoning.encrypted_content");
                    // What another provider signed travels in encrypted_content as it came (see the stream encoder).
                    var signature = encrypted is null ? null : Json.String(item["id"], "reasoning.id") is { } id && !encrypted.StartsWith(ForeignSignature, StringComparison.Ordinal)
                        ? ThinkingPart.OpenAIReasoning + id + ":" + encrypted
                        : encrypted.StartsWith(ForeignSignature, StringComparison.Ordinal) ? encrypted[ForeignSignature.Length..] : encrypted;
                    OpenAIChatCodec.Add(request, ChatRole.Assistant, [new ThinkingPart(summary, signature)]);
                    break;
                case "item_reference":
                    throw new NotTranslatableException($"\"item_reference\" inputs need items stored at OpenAI, which {target} does not have.");
                default:
                    throw new NotTranslatableException($"Input items of type '{type}' cannot be translated to {target}.");
            }
        }
        return request;
    }

    /// <summary>Prefix of an <c>encrypted_content</c> that is another provider's signature (a thinking block's), so a
    /// Responses client can hand it back for the same provider.</summary>
    private const string ForeignSignature = "ar-sig:";

    private static List<Part> DecodeContent(JsonNode? content)
    {
        if (content is JsonValue)
            return [new TextPart(Json.RequiredString(content, "content"))];
        var parts = new List<Part>();
        foreach (var part in Json.Objects(content, "content"))
        {
            var type = Json.RequiredString(part["type"], "content[].type");
            parts.Add(type switch
            {
                "input_text" or "output_text" => new TextPart(Json.RequiredString(part["text"], "text")),
                "refusal" => new TextPart(Json.RequiredString(part["refusal"], "refusal")),
                "input_image" when part["file_id"] is not null => throw new NotTranslatableException("Images uploaded to OpenAI (file_id) cannot be sent to another provider."),
                "input_image" => OpenAIChatCodec.Image(Json.RequiredString(part["image_url"], "input_image.image_url")),
                "input_file" => File(part),
                _ => throw new NotTranslatableException($"Content of type '{type}' cannot be translated to another provider."),
            });
        }
        return parts;
    }

    private static DocumentPart File(JsonObject part)
    {
        if (part["file_id"] is not null)
            throw new NotTranslatableException("Files uploaded to OpenAI (file_id) cannot be sent to another provider; send the file inline (file_data).");
        if (Json.String(part["file_url"], "input_file.file_url") is { } url)
            return new DocumentPart(Json.MediaTypeOfUrl(url) ?? "application/pdf", null, url, Json.String(part["filename"], "input_file.filename"));
        var data = Json.RequiredString(part["file_data"], "input_file.file_data");
        return Json.TryParseDataUrl(data, out var mediaType, out var base64)
            ? new DocumentPart(mediaType, base64, null, Json.String(part["filename"], "input_file.filename"))
            : throw new NotTranslatableException("\"input_file.file_data\" must be a base64 data URL.");
    }

    public JsonObject EncodeRequest(ChatRequest request, string model)
    {
        var body = EncodeCountRequest(request, model);
        if (request.MaxOutputTokens is { } max)
            body["max_output_tokens"] = max;
        if (request.Temperature is { } temperature)
            body["temperature"] = temperature;
        if (request.TopP is { } topP)
            body["top_p"] = topP;
        if (request.TopK is not null)
            throw new NotTranslatableException("\"top_k\" has no equivalent at an OpenAI model.");
        if (request.StopSequences.Count > 0)
            throw new NotTranslatableException("Stop sequences have no equivalent in the OpenAI Responses API.");
        if (request.User is { } user)
            body["safety_identifier"] = user;
        body["store"] = false;
        if (request.Reasoning is { Enabled: true } reasoning)
        {
            body["reasoning"] = new JsonObject { ["effort"] = reasoning.EffortLevel, ["summary"] = "auto" };
            body["include"] = new JsonArray("reasoning.encrypted_content");
        }
        if (request.Stream)
            body["stream"] = true;
        return body;
    }

    public JsonObject EncodeCountRequest(ChatRequest request, string model)
    {
        var body = new JsonObject { ["model"] = model };
        if (request.System.Count > 0)
            body["instructions"] = string.Join("\n\n", request.System.OfType<TextPart>().Select(p => p.Text));
        var input = new JsonArray();
        foreach (var message in request.Messages)
        {
            var content = new JsonArray();
            void Flush()
            {
                if (content.Count == 0)
                    return;
                input.Add(new JsonObject { ["type"] = "message", ["role"] = message.Role == ChatRole.Assistant ? "assistant" : "user", ["content"] = content });
                content = [];
            }
            foreach (var part in message.Parts)
            {
                switch (part)
                {
                    case TextPart text:
                        content.Add(new JsonObject { ["type"] = message.Role == ChatRole.Assistant ? "output_text" : "input_text", ["text"] = text.Text });
                        break;
                    case ImagePart or DocumentPart:
                        content.Add(EncodeInput(part));
                        break;
                    case ThinkingPart { Signature: { } signature } when signature.StartsWith(ThinkingPart.OpenAIReasoning, StringComparison.Ordinal):
                        Flush();
                        var rest = signature[ThinkingPart.OpenAIReasoning.Length..];
                        var colon = rest.IndexOf(':');
                        input.Add(new JsonObject
                        {
                            ["type"] = "reasoning", ["id"] = rest[..colon],
                            ["summary"] = new JsonArray([.. ((ThinkingPart)part).Text is { Length: > 0 } summary ? [(JsonNode)new JsonObject { ["type"] = "summary_text", ["text"] = summary }] : Array.Empty<JsonNode>()]),
                            ["encrypted_content"] = rest[(colon + 1)..],
                        });
                        break;
                    case ThinkingPart or RedactedThinkingPart:
                        // Reasoning another provider signed cannot be handed to OpenAI; OpenAI models reason afresh each turn.
                        break;
                    case ToolCallPart call:
                        Flush();
                        input.Add(new JsonObject { ["type"] = "function_call", ["call_id"] = call.Id, ["name"] = call.Name, ["arguments"] = call.Arguments });
                        break;
                    case ToolResultPart result:
                        Flush();
                        input.Add(new JsonObject
                        {
                            ["type"] = "function_call_output", ["call_id"] = result.CallId,
                            ["output"] = result.Content.All(p => p is TextPart)
                                ? (result.IsError ? "Error: " : "") + Json.JoinText(result.Content)
                                : new JsonArray([.. result.Content.Select(p => (JsonNode)(p is TextPart t ? new JsonObject { ["type"] = "input_text", ["text"] = t.Text } : EncodeInput(p)))]),
                        });
                        break;
                }
            }
            Flush();
        }
        body["input"] = input;
        if (request.Tools.Count > 0)
        {
            body["tools"] = new JsonArray([.. request.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function", ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = t.Schema.DeepClone(), ["strict"] = t.Strict ?? false,
            })]);
            if (request.ToolChoice is { } choice)
                body["tool_choice"] = choice.Kind switch
                {
                    ToolChoiceKind.Tool => new JsonObject { ["type"] = "function", ["name"] = choice.Name },
                    ToolChoiceKind.None => "none",
                    ToolChoiceKind.Required => "required",
                    _ => "auto",
                };
            if (request.ParallelToolCalls is { } parallel)
                body["parallel_tool_calls"] = parallel;
        }
        if (request.Format is { } format)
            body["text"] = new JsonObject
            {
                ["format"] = format.Schema is null
                    ? new JsonObject { ["type"] = "json_object" }
                    : new JsonObject { ["type"] = "json_schema", ["name"] = format.Name ?? "output", ["schema"] = format.Schema.DeepClone(), ["strict"] = format.Strict },
            };
        return body;
    }

    private static JsonObject EncodeInput(Part part) => part switch
    {
        ImagePart image => new JsonObject
            { ["type"] = "input_image", ["image_url"] = image.Data is { } data ? Json.DataUrl(image.MediaType ?? "image/png", data) : image.Url, ["detail"] = "auto" },
        DocumentPart { Data: { } data } document => new JsonObject
            { ["type"] = "input_file", ["filename"] = document.Title ?? "document.pdf", ["file_data"] = Json.DataUrl(document.MediaType, data) },
        DocumentPart document => new JsonObject { ["type"] = "input_file", ["file_url"] = document.Url },
        _ => throw new NotTranslatableException($"{part.GetType().Name} cannot be sent to an OpenAI model."),
    };

    public ChatResponse DecodeResponse(JsonElement body)
    {
        var response = new ChatResponse
        {
            Id = body.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            Model = body.TryGetProperty("model", out var model) ? model.GetString() ?? "" : "",
        };
        response.Usage.Apply(ApiDialect.OpenAI, body);
        var refused = false;
        foreach (var item in body.GetProperty("output").EnumerateArray())
        {
            switch (item.GetProperty("type").GetString())
            {
                case "message":
                    foreach (var content in item.GetProperty("content").EnumerateArray())
                    {
                        if (content.GetProperty("type").GetString() == "refusal")
                        {
                            refused = true;
                            response.Content.Add(new TextPart(content.GetProperty("refusal").GetString() ?? ""));
                        }
                        else if (content.TryGetProperty("text", out var text))
                            response.Content.Add(new TextPart(text.GetString() ?? ""));
                    }
                    break;
                case "function_call":
                    response.Content.Add(new ToolCallPart(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!, item.GetProperty("arguments").GetString() ?? "{}"));
                    break;
                case "reasoning":
                    response.Content.Add(Reasoning(item));
                    break;
            }
        }
        response.StopReason = StopReasonOf(body, refused, response.Content.OfType<ToolCallPart>().Any());
        return response;
    }

    private static ThinkingPart Reasoning(JsonElement item)
    {
        var summary = item.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.Array
            ? string.Join("\n\n", s.EnumerateArray().Select(p => p.TryGetProperty("text", out var t) ? t.GetString() : "")) : "";
        var signature = item.TryGetProperty("encrypted_content", out var e) && e.ValueKind == JsonValueKind.String
            ? ThinkingPart.OpenAIReasoning + item.GetProperty("id").GetString() + ":" + e.GetString() : null;
        return new ThinkingPart(summary, signature);
    }

    private static StopReason StopReasonOf(JsonElement response, bool refused, bool calledTools) =>
        refused ? StopReason.Refusal
        : response.TryGetProperty("incomplete_details", out var details) && details.ValueKind == JsonValueKind.Object
            && details.TryGetProperty("reason", out var reason) ? (reason.GetString() == "content_filter" ? StopReason.Refusal : StopReason.MaxTokens)
        : calledTools ? StopReason.ToolUse
        : StopReason.EndTurn;

    internal static JsonObject Usage(in TokenUsage usage) => new()
    {
        ["input_tokens"] = usage.Input + usage.CacheRead + usage.CacheWrite,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CacheRead },
        ["output_tokens"] = usage.Output,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = usage.Reasoning },
        ["total_tokens"] = usage.Input + usage.CacheRead + usage.CacheWrite + usage.Output,
    };

    /// <summary>A response object as the Responses API returns it (and as <c>response.created</c> and
    /// <c>response.completed</c> carry it).</summary>
    private static JsonObject ResponseObject(string id, string model, string status, JsonArray output, TokenUsage? usage, ChatRequest request, StopReason? stop) => new()
    {
        ["id"] = id, ["object"] = "response", ["created_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["status"] = status,
        ["background"] = false, ["error"] = null,
        ["incomplete_details"] = status == "incomplete" ? new JsonObject { ["reason"] = stop == StopReason.Refusal ? "content_filter" : "max_output_tokens" } : null,
        ["instructions"] = null, ["max_output_tokens"] = request.MaxOutputTokens, ["model"] = model, ["output"] = output,
        ["parallel_tool_calls"] = request.ParallelToolCalls ?? true, ["previous_response_id"] = null,
        ["reasoning"] = new JsonObject { ["effort"] = request.Reasoning is { Enabled: true } r ? r.EffortLevel : null, ["summary"] = null },
        ["store"] = false, ["temperature"] = request.Temperature ?? 1.0,
        ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
        ["tool_choice"] = "auto", ["tools"] = new JsonArray(), ["top_p"] = request.TopP ?? 1.0, ["truncation"] = "disabled",
        ["usage"] = usage is { } u ? Usage(u) : null, ["metadata"] = new JsonObject(),
    };

    private static string Status(StopReason reason) => reason == StopReason.MaxTokens ? "incomplete" : "completed";

    public JsonObject EncodeResponse(ChatResponse response, ChatRequest request, string model)
    {
        var output = new JsonArray();
        var message = new JsonArray();
        var messageId = Json.NewId("msg_");
        foreach (var part in response.Content)
        {
            switch (part)
            {
                case TextPart text:
                    message.Add(new JsonObject { ["type"] = "output_text", ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(), ["text"] = text.Text });
                    break;
                case ThinkingPart thinking:
                    output.Add(ReasoningItem(Json.NewId("rs_"), thinking.Text, thinking.Signature));
                    break;
                case ToolCallPart call:
                    output.Add(FunctionCall(Json.NewId("fc_"), call, "completed"));
                    break;
            }
        }
        if (message.Count > 0)
            output.Insert(output.Count(i => i!["type"]!.GetValue<string>() == "reasoning"), MessageItem(messageId, message, "completed"));
        return ResponseObject(ResponseId(response.Id), model, Status(response.StopReason), output, response.Usage, request, response.StopReason);
    }

    private static string ResponseId(string id) => id.StartsWith("resp_", StringComparison.Ordinal) ? id : "resp_" + id.Replace("-", "");

    private static JsonObject MessageItem(string id, JsonArray content, string status) =>
        new() { ["id"] = id, ["type"] = "message", ["status"] = status, ["content"] = content, ["role"] = "assistant" };

    private static JsonObject FunctionCall(string id, ToolCallPart call, string status) =>
        new() { ["id"] = id, ["type"] = "function_call", ["status"] = status, ["arguments"] = call.Arguments, ["call_id"] = call.Id, ["name"] = call.Name };

    /// <summary>A reasoning item; an OpenAI signature gives back its own id and encrypted content, another provider's
    /// signature travels as encrypted content marked <see cref="ForeignSignature"/>.</summary>
    private static JsonObject ReasoningItem(string id, string summary, string? signature)
    {
        string? encrypted = null;
        if (signature is not null && signature.StartsWith(ThinkingPart.OpenAIReasoning, StringComparison.Ordinal))
        {
            var rest = signature[ThinkingPart.OpenAIReasoning.Length..];
            (id, encrypted) = (rest[..rest.IndexOf(':')], rest[(rest.IndexOf(':') + 1)..]);
        }
        else if (signature is { Length: > 0 })
            encrypted = ForeignSignature + signature;
        return new JsonObject
        {
            ["id"] = id, ["type"] = "reasoning",
            ["summary"] = new JsonArray([.. summary.Length > 0 ? [(JsonNode)new JsonObject { ["type"] = "summary_text", ["text"] = summary }] : Array.Empty<JsonNode>()]),
            ["encrypted_content"] = encrypted,
        };
    }

    public IStreamDecoder NewStreamDecoder() => new StreamDecoder();

    public IStreamEncoder NewStreamEncoder(ChatRequest request, string model) => new StreamEncoder(request, model);

    public long DecodeCount(JsonElement body) => body.GetProperty("input_tokens").GetInt64();

    public JsonObject EncodeCount(long inputTokens) => new() { ["object"] = "response.input_tokens", ["input_tokens"] = inputTokens };

    /// <summary>Reads the Responses event sequence: output items open blocks (a message's text parts, a reasoning
    /// item's summary, a function call's arguments), their deltas grow them, and <c>response.completed</c> (or
    /// <c>incomplete</c>) finishes with the usage.</summary>
    private sealed class StreamDecoder : IStreamDecoder
    {
        private readonly StreamBlocks _blocks = new();
        private bool _refused;

        public void Decode(JsonElement data, List<StreamEvent> events)
        {
            var type = data.GetProperty("type").GetString();
            switch (type)
            {
                case "response.created":
                    var created = data.GetProperty("response");
                    _blocks.Start(events, created.GetProperty("id").GetString() ?? "", created.TryGetProperty("model", out var m) ? m.GetString() ?? "" : "");
                    break;
                case "response.output_item.added":
                    var item = data.GetProperty("item");
                    switch (item.GetProperty("type").GetString())
                    {
                        case "function_call":
                            _blocks.Open(events, new ToolCallPart(item.GetProperty("call_id").GetString()!, item.GetProperty("name").GetString()!, ""));
                            break;
                        case "reasoning":
                            _blocks.Open(events, new ThinkingPart("", null));
                            break;
                    }
                    break;
                case "response.content_part.added":
                    _blocks.Open(events, new TextPart(""));
                    break;
                case "response.output_text.delta" or "response.refusal.delta" or "response.function_call_arguments.delta" or "response.reasoning_summary_text.delta":
                    _refused |= type == "response.refusal.delta";
                    if (_blocks.OpenIndex is { } open && data.GetProperty("delta").GetString() is { Length: > 0 } delta)
                        events.Add(new DeltaEvent(open, delta));
                    break;
                case "response.reasoning_summary_part.added" when _blocks.OpenIndex is { } summaryIndex && data.TryGetProperty("summary_index", out var part) && part.GetInt32() > 0:
                    // Summary parts of one reasoning item run on in one thinking block, a paragraph apart.
                    events.Add(new DeltaEvent(summaryIndex, "\n\n"));
                    break;
                case "response.content_part.done":
                    _blocks.Close(events);
                    break;
                case "response.output_item.done":
                    var done = data.GetProperty("item");
                    if (done.GetProperty("type").GetString() == "reasoning" && _blocks.OpenIndex is { } reasoningIndex && Reasoning(done).Signature is { } signature)
                        events.Add(new SignatureEvent(reasoningIndex, signature));
                    if (done.GetProperty("type").GetString() is "reasoning" or "function_call")
                        _blocks.Close(events);
                    break;
                case "response.completed" or "response.incomplete":
                    var response = data.GetProperty("response");
                    _blocks.Close(events);
                    TokenUsage usage = default;
                    usage.Apply(ApiDialect.OpenAI, response);
                    events.Add(new FinishEvent(StopReasonOf(response, _refused, _blocks.SawToolCall), null, usage));
                    break;
                case "response.failed":
                    var failed = data.GetProperty("response");
                    events.Add(new ErrorEvent(failed.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                        ? error.GetProperty("message").GetString() ?? "The provider failed." : "The provider failed."));
                    break;
                case "error":
                    events.Add(new ErrorEvent(data.TryGetProperty("message", out var message) ? message.GetString() ?? "The provider failed." : "The provider failed."));
                    break;
            }
        }

        public void End(List<StreamEvent> events)
        {
        }
    }

    /// <summary>Writes the Responses event sequence Codex and the OpenAI SDKs read: response.created and in_progress,
    /// per block an output item (message with one output_text part, reasoning with a summary part, or function call)
    /// added, its deltas, its done events with the full text, then response.completed with every item and the usage.
    /// Every event carries its type in an <c>event:</c> line and a <c>sequence_number</c>.</summary>
    private sealed class StreamEncoder(ChatRequest request, string model) : IStreamEncoder
    {
        private readonly JsonArray _output = [];
        private readonly Dictionary<int, Open> _open = [];
        private string _id = Json.NewId("resp_");
        private int _sequence;

        private sealed class Open(Part block, string itemId, int outputIndex)
        {
            public Part Block { get; } = block;
            public string ItemId { get; } = itemId;
            public int OutputIndex { get; } = outputIndex;
            public StringBuilder Text { get; } = new();
            public string? Signature { get; set; }
        }

        public string ContentType => "text/event-stream; charset=utf-8";

        public void Encode(StreamEvent streamEvent, StringBuilder output)
        {
            switch (streamEvent)
            {
                case StartEvent start:
                    _id = ResponseId(start.Id.Length > 0 ? start.Id : _id);
                    Write(output, "response.created", new JsonObject { ["response"] = ResponseObject(_id, model, "in_progress", [], null, request, null) });
                    Write(output, "response.in_progress", new JsonObject { ["response"] = ResponseObject(_id, model, "in_progress", [], null, request, null) });
                    break;
                case BlockStartEvent blockStart:
                    var open = new Open(blockStart.Block, blockStart.Block switch
                    {
                        ToolCallPart => Json.NewId("fc_"), ThinkingPart or RedactedThinkingPart => Json.NewId("rs_"), _ => Json.NewId("msg_"),
                    }, _output.Count + _open.Count);
                    _open[blockStart.Index] = open;
                    switch (blockStart.Block)
                    {
                        case ToolCallPart call:
                            Write(output, "response.output_item.added", new JsonObject
                                { ["output_index"] = open.OutputIndex, ["item"] = FunctionCall(open.ItemId, call with { Arguments = "" }, "in_progress") });
                            break;
                        case ThinkingPart or RedactedThinkingPart:
                            Write(output, "response.output_item.added", new JsonObject
                                { ["output_index"] = open.OutputIndex, ["item"] = ReasoningItem(open.ItemId, "", null) });
                            break;
                        default:
                            Write(output, "response.output_item.added", new JsonObject
                                { ["output_index"] = open.OutputIndex, ["item"] = MessageItem(open.ItemId, [], "in_progress") });
                            Write(output, "response.content_part.added", new JsonObject
                            {
                                ["item_id"] = open.ItemId, ["output_index"] = open.OutputIndex, ["content_index"] = 0,
                                ["part"] = new JsonObject { ["type"] = "output_text", ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(), ["text"] = "" },
                            });
                            break;
                    }
                    break;
                case DeltaEvent delta when _open.TryGetValue(delta.Index, out var block) && delta.Text.Length > 0:
                    if (block.Block is ThinkingPart && block.Text.Length == 0)
                        Write(output, "response.reasoning_summary_part.added", new JsonObject
                        {
                            ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["summary_index"] = 0,
                            ["part"] = new JsonObject { ["type"] = "summary_text", ["text"] = "" },
                        });
                    block.Text.Append(delta.Text);
                    Write(output, block.Block switch
                    {
                        ToolCallPart => "response.function_call_arguments.delta",
                        ThinkingPart => "response.reasoning_summary_text.delta",
                        _ => "response.output_text.delta",
                    }, block.Block switch
                    {
                        ToolCallPart => new JsonObject { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["delta"] = delta.Text },
                        ThinkingPart => new JsonObject { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["summary_index"] = 0, ["delta"] = delta.Text },
                        _ => new JsonObject { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["content_index"] = 0, ["delta"] = delta.Text, ["logprobs"] = new JsonArray() },
                    });
                    break;
                case SignatureEvent signature when _open.TryGetValue(signature.Index, out var block):
                    block.Signature = signature.Signature;
                    break;
                case BlockStopEvent stop when _open.Remove(stop.Index, out var block):
                    Close(output, block);
                    break;
                case FinishEvent finish:
                    foreach (var (_, block) in _open.OrderBy(o => o.Value.OutputIndex).ToList())
                        Close(output, block);
                    _open.Clear();
                    var status = Status(finish.Reason);
                    Write(output, status == "completed" ? "response.completed" : "response.incomplete", new JsonObject
                        { ["response"] = ResponseObject(_id, model, status, (JsonArray)_output.DeepClone(), finish.Usage, request, finish.Reason) });
                    break;
                case ErrorEvent error:
                    var failed = ResponseObject(_id, model, "failed", (JsonArray)_output.DeepClone(), null, request, null);
                    failed["error"] = new JsonObject { ["code"] = "server_error", ["message"] = error.Message };
                    Write(output, "response.failed", new JsonObject { ["response"] = failed });
                    break;
            }
        }

        private void Close(StringBuilder output, Open block)
        {
            var text = block.Text.ToString();
            JsonObject item;
            switch (block.Block)
            {
                case ToolCallPart call:
                    Write(output, "response.function_call_arguments.done", new JsonObject { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["arguments"] = text });
                    item = FunctionCall(block.ItemId, call with { Arguments = text }, "completed");
                    break;
                case ThinkingPart or RedactedThinkingPart:
                    if (text.Length > 0)
                    {
                        Write(output, "response.reasoning_summary_text.done", new JsonObject
                            { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["summary_index"] = 0, ["text"] = text });
                        Write(output, "response.reasoning_summary_part.done", new JsonObject
                        {
                            ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["summary_index"] = 0,
                            ["part"] = new JsonObject { ["type"] = "summary_text", ["text"] = text },
                        });
                    }
                    item = ReasoningItem(block.ItemId, text, block.Block is RedactedThinkingPart redacted ? redacted.Data : block.Signature);
                    break;
                default:
                    var part = new JsonObject { ["type"] = "output_text", ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(), ["text"] = text };
                    Write(output, "response.output_text.done", new JsonObject
                        { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray() });
                    Write(output, "response.content_part.done", new JsonObject
                        { ["item_id"] = block.ItemId, ["output_index"] = block.OutputIndex, ["content_index"] = 0, ["part"] = part.DeepClone() });
                    item = MessageItem(block.ItemId, [part], "completed");
                    break;
            }
            Write(output, "response.output_item.done", new JsonObject { ["output_index"] = block.OutputIndex, ["item"] = item.DeepClone() });
            _output.Add(item);
        }

        public void End(StringBuilder output, bool finished)
        {
        }

        private void Write(StringBuilder output, string type, JsonObject data)
        {
            var ordered = new JsonObject { ["type"] = type };
            foreach (var (name, value) in data.ToList())
            {
                data.Remove(name);
                ordered[name] = value;
            }
            ordered["sequence_number"] = _sequence++;
            output.Append("event: ").Append(type).Append("\ndata: ").Append(Json.Text(ordered)).Append("\n\n");
        }
    }
}
