using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>Gemini's generateContent, streamGenerateContent and countTokens. Google's JSON mapping accepts the
/// lowerCamel and the snake_case name of every field; both are read.</summary>
public sealed class GeminiCodec : IDialectCodec
{
    public static readonly GeminiCodec Instance = new();

    /// <summary>The largest thinking budget every Gemini 2.5 model accepts (Flash's ceiling).</summary>
    private const long MaxThinkingBudget = 24_576;

    private static readonly HashSet<string> Known =
    [
        "model", "contents", "systemInstruction", "system_instruction", "tools", "toolConfig", "tool_config", "generationConfig", "generation_config",
        "safetySettings", "safety_settings", "labels", "generateContentRequest", "generate_content_request",
    ];

    private static readonly HashSet<string> KnownGeneration =
    [
        "temperature", "topP", "top_p", "topK", "top_k", "maxOutputTokens", "max_output_tokens", "stopSequences", "stop_sequences", "candidateCount",
        "candidate_count", "responseMimeType", "response_mime_type", "responseSchema", "response_schema", "responseJsonSchema", "response_json_schema",
        "thinkingConfig", "thinking_config", "responseModalities", "response_modalities",
    ];

    public string Name => "the Gemini API";

    private static JsonNode? Field(JsonObject obj, string camel, string? snake = null) => obj[camel] ?? (snake is null ? null : obj[snake]);

    public ChatRequest DecodeRequest(JsonObject body, string target)
    {
        if (Json.Object(Field(body, "generateContentRequest", "generate_content_request"), "generateContentRequest") is { } inner)
            body = inner;
        Json.OnlyKnown(body, "", target, Known);
        var request = new ChatRequest();
        if (Json.Object(Field(body, "systemInstruction", "system_instruction"), "systemInstruction") is { } system)
            request.System.AddRange(Json.Objects(system["parts"], "systemInstruction.parts").Select(p => (Part)new TextPart(Json.String(p["text"], "text") ?? "")));
        if (Json.Object(Field(body, "generationConfig", "generation_config"), "generationConfig") is { } config)
        {
            Json.OnlyKnown(config, "generationConfig.", target, KnownGeneration);
            request.Temperature = Json.Number(config["temperature"], "temperature");
            request.TopP = Json.Number(Field(config, "topP", "top_p"), "topP");
            request.TopK = (int?)Json.Integer(Field(config, "topK", "top_k"), "topK");
            request.MaxOutputTokens = Json.Integer(Field(config, "maxOutputTokens", "max_output_tokens"), "maxOutputTokens");
            if (Json.Integer(Field(config, "candidateCount", "candidate_count"), "candidateCount") is > 1)
                throw new NotTranslatableException($"\"candidateCount\" above 1 (several answers per request) has no equivalent at {target}.");
            foreach (var stop in Json.Array(Field(config, "stopSequences", "stop_sequences"), "stopSequences") ?? [])
                request.StopSequences.Add(Json.RequiredString(stop, "stopSequences[]"));
            if (Json.Array(Field(config, "responseModalities", "response_modalities"), "responseModalities") is { } modalities
                && modalities.Any(m => Json.String(m, "responseModalities[]") is not ("TEXT" or "text")))
                throw new NotTranslatableException($"Output modalities other than text have no equivalent at {target}.");
            var schema = Field(config, "responseJsonSchema", "response_json_schema") ?? Field(config, "responseSchema", "response_schema");
            if (Json.String(Field(config, "responseMimeType", "response_mime_type"), "responseMimeType") is "application/json")
                request.Format = new OutputFormat(schema?.DeepClone(), null, null);
            else if (schema is not null)
                throw new NotTranslatableException("A response schema needs \"responseMimeType\": \"application/json\".");
            if (Json.Object(Field(config, "thinkingConfig", "thinking_config"), "thinkingConfig") is { } thinking)
            {
                var budget = Json.Integer(Field(thinking, "thinkingBudget", "thinking_budget"), "thinkingBudget");
                var level = Json.String(Field(thinking, "thinkingLevel", "thinking_level"), "thinkingLevel")?.ToLowerInvariant();
                request.Reasoning = budget == 0 ? new Reasoning(false, null, null)
                    : new Reasoning(true, budget is > 0 ? budget : null, level ?? (budget is > 0 ? null : "medium"));
            }
        }
        foreach (var tool in Json.Objects(body["tools"], "tools"))
        {
            foreach (var (name, value) in tool)
            {
                if (name is not ("functionDeclarations" or "function_declarations"))
                    throw new NotTranslatableException($"The tool '{name}' is one Google runs itself; {target} cannot run it. Only function declarations translate.");
                foreach (var declaration in Json.Objects(value, "functionDeclarations"))
                {
                    var schema = Field(declaration, "parametersJsonSchema", "parameters_json_schema") ?? declaration["parameters"];
                    request.Tools.Add(new ToolDefinition(Json.RequiredString(declaration["name"], "functionDeclarations[].name"),
                        Json.String(declaration["description"], "functionDeclarations[].description"),
                        schema is null ? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() } : LowerTypes(schema.DeepClone()), null));
                }
            }
        }
        if (Json.Object(Field(body, "toolConfig", "tool_config"), "toolConfig") is { } toolConfig
            && Json.Object(Field(toolConfig, "functionCallingConfig", "function_calling_config"), "functionCallingConfig") is { } calling)
        {
            var allowed = Json.Array(Field(calling, "allowedFunctionNames", "allowed_function_names"), "allowedFunctionNames");
            request.ToolChoice = Json.String(calling["mode"], "mode") switch
            {
                "NONE" => new ToolChoice(ToolChoiceKind.None),
                "ANY" when allowed is { Count: 1 } => new ToolChoice(ToolChoiceKind.Tool, Json.String(allowed[0], "allowedFunctionNames[]")),
                "ANY" when allowed is null or { Count: 0 } => new ToolChoice(ToolChoiceKind.Required),
                "ANY" => throw new NotTranslatableException($"Restricting calls to several named functions has no equivalent at {target}."),
                "AUTO" or null => new ToolChoice(ToolChoiceKind.Auto),
                var other => throw new NotTranslatableException($"Function calling mode '{other}' cannot be translated."),
            };
        }

        // Gemini pairs calls and responses by name (and order); the other dialects need ids.
        var pending = new Dictionary<string, Queue<string>>();
        var count = 0;
        foreach (var content in Json.Objects(body["contents"], "contents"))
        {
            var role = Json.String(content["role"], "contents[].role") == "model" ? ChatRole.Assistant : ChatRole.User;
            var parts = new List<Part>();
            foreach (var part in Json.Objects(content["parts"], "contents[].parts"))
            {
                var signature = Json.String(Field(part, "thoughtSignature", "thought_signature"), "thoughtSignature");
                if (Json.Bool(part["thought"], "thought") == true)
                {
                    parts.Add(new ThinkingPart(Json.String(part["text"], "text") ?? "", signature));
                    continue;
                }
                if (signature is not null)
                    parts.Add(new ThinkingPart("", signature));
                if (part["text"] is { } text)
                    parts.Add(new TextPart(Json.RequiredString(text, "text")));
                else if (Json.Object(Field(part, "inlineData", "inline_data"), "inlineData") is { } inline)
                    parts.Add(Media(Json.RequiredString(Field(inline, "mimeType", "mime_type"), "inlineData.mimeType"), Json.RequiredString(inline["data"], "inlineData.data"), null));
                else if (Json.Object(Field(part, "fileData", "file_data"), "fileData") is { } file)
                {
                    var uri = Json.RequiredString(Field(file, "fileUri", "file_uri"), "fileData.fileUri");
                    if (uri.StartsWith("https://generativelanguage.googleapis.com/", StringComparison.Ordinal) || uri.StartsWith("gs://", StringComparison.Ordinal))
                        throw new NotTranslatableException("Files stored at Google (File API or Cloud Storage) cannot be sent to another provider; send them inline.");
                    parts.Add(Media(Json.String(Field(file, "mimeType", "mime_type"), "fileData.mimeType") ?? Json.MediaTypeOfUrl(uri) ?? "", null, uri));
                }
                else if (Json.Object(Field(part, "functionCall", "function_call"), "functionCall") is { } call)
                {
                    var name = Json.RequiredString(call["name"], "functionCall.name");
                    var id = Json.String(call["id"], "functionCall.id") ?? $"call_{++count}_{name}";
                    if (!pending.TryGetValue(name, out var queue))
                        pending[name] = queue = new Queue<string>();
                    queue.Enqueue(id);
                    parts.Add(new ToolCallPart(id, name, Json.ArgumentsText(call["args"])));
                }
                else if (Json.Object(Field(part, "functionResponse", "function_response"), "functionResponse") is { } response)
                {
                    var name = Json.RequiredString(response["name"], "functionResponse.name");
                    var id = Json.String(response["id"], "functionResponse.id")
                        ?? (pending.TryGetValue(name, out var queue) && queue.Count > 0 ? queue.Dequeue() : $"call_{++count}_{name}");
                    var result = Json.Object(response["response"], "functionResponse.response") ?? [];
                    var isError = result.Count == 1 && result["error"] is not null;
                    var single = result.Count == 1 ? result.First().Value : null;
                    var resultText = single is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : Json.Text(result);
                    parts.Add(new ToolResultPart(id, name, [new TextPart(resultText)], isError));
                }
                else
                    throw new NotTranslatableException($"Parts like {Json.Text(part)[..Math.Min(60, Json.Text(part).Length)]} (code execution, video metadata) cannot be translated to {target}.");
            }
            OpenAIChatCodec.Add(request, role, parts);
        }
        return request;
    }

    private static Part Media(string mimeType, string? data, string? url) => mimeType switch
    {
        _ when mimeType.StartsWith("image/", StringComparison.Ordinal) => new ImagePart(mimeType, data, url),
        "application/pdf" or "text/plain" => new DocumentPart(mimeType, data, url, null),
        _ => throw new NotTranslatableException($"Media of type '{mimeType}' cannot be sent to another provider (images, PDF and plain text can)."),
    };

    /// <summary>Gemini's OpenAPI-style schemas spell types in capitals (<c>OBJECT</c>); JSON Schema wants lower case.</summary>
    private static JsonNode LowerTypes(JsonNode schema)
    {
        switch (schema)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (name == "type" && value is JsonValue type && type.GetValueKind() == JsonValueKind.String)
                        obj["type"] = type.GetValue<string>().ToLowerInvariant();
                    else if (value is not null)
                        LowerTypes(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    if (item is not null)
                        LowerTypes(item);
                break;
        }
        return schema;
    }

    public JsonObject EncodeRequest(ChatRequest request, string model)
    {
        var body = Contents(request);
        var config = new JsonObject();
        if (request.MaxOutputTokens is { } max)
            config["maxOutputTokens"] = max;
        if (request.Temperature is { } temperature)
            config["temperature"] = temperature;
        if (request.TopP is { } topP)
            config["topP"] = topP;
        if (request.TopK is { } topK)
            config["topK"] = topK;
        if (request.StopSequences.Count > 0)
            config["stopSequences"] = new JsonArray([.. request.StopSequences.Select(s => (JsonNode)s)]);
        if (request.Format is { } format)
        {
            config["responseMimeType"] = "application/json";
            if (format.Schema is not null)
                config["responseJsonSchema"] = format.Schema.DeepClone();
        }
        if (request.Reasoning is { Enabled: true } reasoning)
            config["thinkingConfig"] = new JsonObject { ["thinkingBudget"] = Math.Min(reasoning.Budget, MaxThinkingBudget), ["includeThoughts"] = true };
        if (config.Count > 0)
            body["generationConfig"] = config;
        return body;
    }

    public JsonObject EncodeCountRequest(ChatRequest request, string model)
    {
        var inner = Contents(request);
        inner["model"] = "models/" + model;
        return new JsonObject { ["generateContentRequest"] = inner };
    }

    private static JsonObject Contents(ChatRequest request)
    {
        var body = new JsonObject();
        if (request.System.Count > 0)
            body["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray([.. request.System.OfType<TextPart>().Select(p => (JsonNode)new JsonObject { ["text"] = p.Text })]) };
        var names = new Dictionary<string, string>();
        var contents = new JsonArray();
        foreach (var message in request.Messages)
        {
            var parts = new JsonArray();
            var extra = new List<Part>();
            string? signature = null;
            foreach (var part in message.Parts.OrderBy(p => message.Role == ChatRole.User && p is ToolResultPart ? 0 : 1))
            {
                JsonObject? node = null;
                switch (part)
                {
                    case ThinkingPart thinking:
                        // Gemini wants its thought signature back on the part that followed the thought.
                        if (thinking.Signature is { } s && !s.StartsWith(ThinkingPart.OpenAIReasoning, StringComparison.Ordinal))
                            signature = s;
                        break;
                    case RedactedThinkingPart:
                        break;
                    case TextPart text:
                        node = new JsonObject { ["text"] = text.Text };
                        break;
                    case ImagePart or DocumentPart:
                        node = MediaPart(part);
                        break;
                    case ToolCallPart call:
                        names[call.Id] = call.Name;
                        node = new JsonObject { ["functionCall"] = new JsonObject { ["id"] = call.Id, ["name"] = call.Name, ["args"] = Json.ArgumentsObject(call.Arguments, call.Name) } };
                        break;
                    case ToolResultPart result:
                        var name = names.GetValueOrDefault(result.CallId) ?? result.Name
                            ?? throw new NotTranslatableException($"The tool result for call '{result.CallId}' names no call in the conversation; Gemini needs the function's name.");
                        var resultText = Json.JoinText(result.Content);
                        node = new JsonObject
                        {
                            ["functionResponse"] = new JsonObject
                            {
                                ["id"] = result.CallId, ["name"] = name,
                                ["response"] = new JsonObject { [result.IsError ? "error" : "output"] = resultText },
                            },
                        };
                        extra.AddRange(result.Content.Where(p => p is not TextPart));
                        break;
                }
                if (node is null)
                    continue;
                if (signature is not null)
                {
                    node["thoughtSignature"] = signature;
                    signature = null;
                }
                parts.Add(node);
            }
            foreach (var part in extra)
                parts.Add(MediaPart(part));
            if (parts.Count == 0)
                continue;
            var role = message.Role == ChatRole.Assistant ? "model" : "user";
            if (contents.Count > 0 && contents[^1]!["role"]!.GetValue<string>() == role)
            {
                foreach (var part in parts.ToList())
                {
                    parts.Remove(part);
                    contents[^1]!["parts"]!.AsArray().Add(part);
                }
            }
            else
                contents.Add(new JsonObject { ["role"] = role, ["parts"] = parts });
        }
        body["contents"] = contents;
        if (request.Tools.Count > 0)
        {
            body["tools"] = new JsonArray(new JsonObject
            {
                ["functionDeclarations"] = new JsonArray([.. request.Tools.Select(t => (JsonNode)new JsonObject
                {
                    ["name"] = t.Name, ["description"] = t.Description, ["parametersJsonSchema"] = WithoutMetaSchema(t.Schema.DeepClone()),
                })]),
            });
            if (request.ToolChoice is { } choice)
            {
                var calling = new JsonObject
                {
                    ["mode"] = choice.Kind switch { ToolChoiceKind.None => "NONE", ToolChoiceKind.Required or ToolChoiceKind.Tool => "ANY", _ => "AUTO" },
                };
                if (choice.Kind == ToolChoiceKind.Tool)
                    calling["allowedFunctionNames"] = new JsonArray(choice.Name);
                body["toolConfig"] = new JsonObject { ["functionCallingConfig"] = calling };
            }
        }
        return body;
    }

    /// <summary>Gemini refuses a schema that names its own meta-schema (<c>$schema</c>), which Claude Code's tools carry.</summary>
    private static JsonNode WithoutMetaSchema(JsonNode schema)
    {
        if (schema is JsonObject obj)
            obj.Remove("$schema");
        return schema;
    }

    private static JsonObject MediaPart(Part part) => part switch
    {
        ImagePart { Data: { } data } image => new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = image.MediaType, ["data"] = data } },
        ImagePart image => new JsonObject
        {
            ["fileData"] = new JsonObject
            {
                ["mimeType"] = Json.MediaTypeOfUrl(image.Url!) ?? throw new NotTranslatableException($"The image URL '{image.Url}' does not say its type; Gemini needs one. Send the image inline."),
                ["fileUri"] = image.Url,
            },
        },
        DocumentPart { Data: { } data } document => new JsonObject { ["inlineData"] = new JsonObject { ["mimeType"] = document.MediaType, ["data"] = data } },
        DocumentPart document => new JsonObject { ["fileData"] = new JsonObject { ["mimeType"] = document.MediaType, ["fileUri"] = document.Url } },
        _ => throw new NotTranslatableException($"{part.GetType().Name} cannot be sent to a Gemini model."),
    };

    public ChatResponse DecodeResponse(JsonElement body)
    {
        var response = new ChatResponse
        {
            Id = body.TryGetProperty("responseId", out var id) ? id.GetString() ?? "" : "",
            Model = body.TryGetProperty("modelVersion", out var model) ? model.GetString() ?? "" : "",
        };
        response.Usage.Apply(ApiDialect.Gemini, body);
        string? finish = null;
        if (body.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array && candidates.GetArrayLength() > 0)
        {
            var candidate = candidates[0];
            finish = candidate.TryGetProperty("finishReason", out var reason) ? reason.GetString() : null;
            if (candidate.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts))
                foreach (var part in parts.EnumerateArray())
                    response.Content.AddRange(DecodePart(part));
        }
        else if (body.TryGetProperty("promptFeedback", out var feedback) && feedback.TryGetProperty("blockReason", out _))
            finish = "SAFETY";
        response.StopReason = StopReasonOf(finish, response.Content.OfType<ToolCallPart>().Any());
        return response;
    }

    /// <summary>A part of an answer: a thought, text or function call, with its thought signature (if any) as a
    /// thinking part of its own before it.</summary>
    private static IEnumerable<Part> DecodePart(JsonElement part)
    {
        var signature = part.TryGetProperty("thoughtSignature", out var s) ? s.GetString() : null;
        if (part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True)
        {
            yield return new ThinkingPart(part.TryGetProperty("text", out var t) ? t.GetString() ?? "" : "", signature);
            yield break;
        }
        if (signature is not null)
            yield return new ThinkingPart("", signature);
        if (part.TryGetProperty("text", out var text) && text.GetString() is { Length: > 0 } value)
            yield return new TextPart(value);
        else if (part.TryGetProperty("functionCall", out var call))
            yield return new ToolCallPart(call.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } callId ? callId : Json.NewId("call_"),
                call.GetProperty("name").GetString()!, call.TryGetProperty("args", out var args) ? args.GetRawText() : "{}");
    }

    private static StopReason StopReasonOf(string? finish, bool calledTools) => finish switch
    {
        "MAX_TOKENS" => StopReason.MaxTokens,
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII" or "IMAGE_SAFETY" => StopReason.Refusal,
        _ when calledTools => StopReason.ToolUse,
        _ => StopReason.EndTurn,
    };

    private static string FinishReason(StopReason reason) => reason switch
    {
        StopReason.MaxTokens => "MAX_TOKENS",
        StopReason.Refusal => "SAFETY",
        _ => "STOP",
    };

    private static JsonObject Usage(in TokenUsage usage)
    {
        var prompt = usage.Input + usage.CacheRead + usage.CacheWrite;
        var node = new JsonObject
        {
            ["promptTokenCount"] = prompt, ["candidatesTokenCount"] = usage.Output - usage.Reasoning, ["totalTokenCount"] = prompt + usage.Output,
        };
        if (usage.CacheRead > 0)
            node["cachedContentTokenCount"] = usage.CacheRead;
        if (usage.Reasoning > 0)
            node["thoughtsTokenCount"] = usage.Reasoning;
        return node;
    }

    public JsonObject EncodeResponse(ChatResponse response, ChatRequest request, string model)
    {
        var parts = new JsonArray();
        string? signature = null;
        foreach (var part in response.Content)
        {
            JsonObject? node = part switch
            {
                ThinkingPart { Text.Length: > 0 } thinking => new JsonObject { ["text"] = thinking.Text, ["thought"] = true },
                TextPart text => new JsonObject { ["text"] = text.Text },
                ToolCallPart call => new JsonObject { ["functionCall"] = new JsonObject { ["id"] = call.Id, ["name"] = call.Name, ["args"] = Json.ArgumentsObject(call.Arguments, call.Name) } },
                _ => null,
            };
            if (part is ThinkingPart { Signature: { } s })
                signature = s;
            if (node is null || part is ThinkingPart)
            {
                if (node is not null)
                    parts.Add(node);
                continue;
            }
            if (signature is not null)
                (node["thoughtSignature"], signature) = (signature, null);
            parts.Add(node);
        }
        if (signature is not null)
            parts.Add(new JsonObject { ["text"] = "", ["thoughtSignature"] = signature });
        return new JsonObject
        {
            ["candidates"] = new JsonArray(new JsonObject
            {
                ["content"] = new JsonObject { ["parts"] = parts, ["role"] = "model" }, ["finishReason"] = FinishReason(response.StopReason), ["index"] = 0,
            }),
            ["usageMetadata"] = Usage(response.Usage), ["modelVersion"] = model, ["responseId"] = response.Id,
        };
    }

    public IStreamDecoder NewStreamDecoder() => new StreamDecoder();

    public IStreamEncoder NewStreamEncoder(ChatRequest request, string model) => new StreamEncoder(model, sse: true);

    /// <summary>A stream encoder for a caller that did not ask for <c>alt=sse</c>: one JSON array, element by element.</summary>
    public static IStreamEncoder NewArrayStreamEncoder(string model) => new StreamEncoder(model, sse: false);

    public long DecodeCount(JsonElement body) => body.GetProperty("totalTokens").GetInt64();

    public JsonObject EncodeCount(long inputTokens) => new() { ["totalTokens"] = inputTokens };

    /// <summary>Each chunk holds whole parts: thoughts and text grow a block while the kind stays the same; a function
    /// call is a block of its own, its arguments in one delta. The finish waits for the end (the last chunk has the
    /// finish reason and the final usage).</summary>
    private sealed class StreamDecoder : IStreamDecoder
    {
        private readonly StreamBlocks _blocks = new();
        private TokenUsage _usage;
        private string? _finish;

        public void Decode(JsonElement data, List<StreamEvent> events)
        {
            if (data.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                events.Add(new ErrorEvent(error.TryGetProperty("message", out var m) ? m.GetString() ?? "The provider failed." : "The provider failed."));
                return;
            }
            _blocks.Start(events, data.TryGetProperty("responseId", out var id) ? id.GetString() ?? "" : "",
                data.TryGetProperty("modelVersion", out var model) ? model.GetString() ?? "" : "");
            _usage.Apply(ApiDialect.Gemini, data);
            if (!data.TryGetProperty("candidates", out var candidates) || candidates.ValueKind != JsonValueKind.Array || candidates.GetArrayLength() == 0)
                return;
            var candidate = candidates[0];
            if (candidate.TryGetProperty("content", out var content) && content.TryGetProperty("parts", out var parts))
            {
                foreach (var part in parts.EnumerateArray())
                {
                    foreach (var decoded in DecodePart(part))
                    {
                        switch (decoded)
                        {
                            case ThinkingPart thinking:
                                var index = _blocks.Ensure(events, () => new ThinkingPart("", null));
                                if (thinking.Text.Length > 0)
                                    events.Add(new DeltaEvent(index, thinking.Text));
                                if (thinking.Signature is { } signature)
                                {
                                    events.Add(new SignatureEvent(index, signature));
                                    _blocks.Close(events);
                                }
                                break;
                            case TextPart text:
                                events.Add(new DeltaEvent(_blocks.Ensure(events, () => new TextPart("")), text.Text));
                                break;
                            case ToolCallPart call:
                                var block = _blocks.Open(events, call with { Arguments = "" });
                                events.Add(new DeltaEvent(block, call.Arguments));
                                _blocks.Close(events);
                                break;
                        }
                    }
                }
            }
            if (candidate.TryGetProperty("finishReason", out var finish) && finish.ValueKind == JsonValueKind.String)
                _finish = finish.GetString();
        }

        public void End(List<StreamEvent> events)
        {
            if (_finish is null)
                return;
            _blocks.Close(events);
            events.Add(new FinishEvent(StopReasonOf(_finish, _blocks.SawToolCall), null, _usage));
            _finish = null;
        }
    }

    /// <summary>Writes GenerateContentResponse chunks: text and thoughts as they come, a function call whole once its
    /// arguments are complete (Gemini has no partial calls), a thought signature on the part after the thought, and
    /// the finish reason with the usage last.</summary>
    private sealed class StreamEncoder(string model, bool sse) : IStreamEncoder
    {
        private readonly Dictionary<int, (Part Block, StringBuilder Arguments)> _open = [];
        private string _id = "";
        private string? _signature;
        private bool _first = true;

        public string ContentType => sse ? "text/event-stream; charset=utf-8" : "application/json; charset=utf-8";

        public void Encode(StreamEvent streamEvent, StringBuilder output)
        {
            switch (streamEvent)
            {
                case StartEvent start:
                    _id = start.Id;
                    break;
                case BlockStartEvent blockStart:
                    _open[blockStart.Index] = (blockStart.Block, new StringBuilder());
                    break;
                case DeltaEvent delta when _open.TryGetValue(delta.Index, out var block) && delta.Text.Length > 0:
                    switch (block.Block)
                    {
                        case ToolCallPart:
                            block.Arguments.Append(delta.Text);
                            break;
                        case ThinkingPart:
                            Chunk(output, new JsonObject { ["text"] = delta.Text, ["thought"] = true }, null, null);
                            break;
                        default:
                            Chunk(output, WithSignature(new JsonObject { ["text"] = delta.Text }), null, null);
                            break;
                    }
                    break;
                case SignatureEvent signature:
                    _signature = signature.Signature;
                    break;
                case BlockStopEvent stop when _open.Remove(stop.Index, out var block) && block.Block is ToolCallPart call:
                    Chunk(output, WithSignature(new JsonObject
                    {
                        ["functionCall"] = new JsonObject { ["id"] = call.Id, ["name"] = call.Name, ["args"] = Json.ArgumentsObject(block.Arguments.ToString(), call.Name) },
                    }), null, null);
                    break;
                case FinishEvent finish:
                    Chunk(output, WithSignature(new JsonObject { ["text"] = "" }), FinishReason(finish.Reason), Usage(finish.Usage));
                    break;
                case ErrorEvent error:
                    Frame(output, new JsonObject { ["error"] = new JsonObject { ["code"] = 500, ["message"] = error.Message, ["status"] = "INTERNAL" } });
                    break;
            }
        }

        private JsonObject WithSignature(JsonObject part)
        {
            if (_signature is not null)
                (part["thoughtSignature"], _signature) = (_signature, null);
            return part;
        }

        private void Chunk(StringBuilder output, JsonObject part, string? finishReason, JsonObject? usage)
        {
            var candidate = new JsonObject { ["content"] = new JsonObject { ["parts"] = new JsonArray(part), ["role"] = "model" } };
            if (finishReason is not null)
                candidate["finishReason"] = finishReason;
            candidate["index"] = 0;
            var chunk = new JsonObject { ["candidates"] = new JsonArray(candidate) };
            if (usage is not null)
                chunk["usageMetadata"] = usage;
            chunk["modelVersion"] = model;
            chunk["responseId"] = _id;
            Frame(output, chunk);
        }

        private void Frame(StringBuilder output, JsonObject data)
        {
            if (sse)
                output.Append("data: ").Append(Json.Text(data)).Append("\r\n\r\n");
            else
            {
                output.Append(_first ? "[" : ",\r\n").Append(Json.Text(data));
                _first = false;
            }
        }

        public void End(StringBuilder output, bool finished)
        {
            if (!sse)
                output.Append(_first ? "[]" : "]");
        }
    }
}
