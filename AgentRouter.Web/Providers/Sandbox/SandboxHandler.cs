using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRouter.Web.Providers.Sandbox;

/// <summary>
/// Built-in "sandbox" provider: an in-process <see cref="HttpMessageHandler"/> that stands in for an LLM
/// provider upstream, so the gateway can be tried without a provider key. It answers the Anthropic Messages,
/// OpenAI Chat Completions and Gemini generateContent wire formats (streaming and non-streaming) with a
/// deterministic reply that says it comes from the sandbox, plus estimated token usage.
/// </summary>
/// <param name="eventDelay">Pause between streamed events; <see cref="TimeSpan.Zero"/> streams without any delay.</param>
public sealed class SandboxHandler(TimeSpan eventDelay) : HttpMessageHandler
{
    // 2026-01-01T00:00:00Z; a fixed timestamp keeps responses byte-for-byte reproducible.
    private const long Created = 1767225600;
    private const string EventStream = "text/event-stream; charset=utf-8";

    // Real providers emit raw UTF-8 rather than \uXXXX escapes for non-ASCII text.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private enum Dialect { Anthropic, OpenAI, Gemini }

    private sealed record Reply(string Text, string[] Words, int InputTokens, int OutputTokens)
    {
        /// <summary>The reply cut into at most 8 word-boundary pieces, with the cumulative word count after each.</summary>
        public IEnumerable<(string Text, int Words)> Pieces()
        {
            var n = Math.Min(8, Words.Length);
            for (var i = 0; i < n; i++)
            {
                int start = i * Words.Length / n, end = (i + 1) * Words.Length / n;
                yield return ((i > 0 ? " " : "") + string.Join(' ', Words[start..end]), end);
            }
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // Always drain the body: YARP treats an unread request body as a forwarding defect.
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(ct);
        var uri = request.RequestUri ?? new Uri("http://sandbox.invalid/");
        var path = uri.AbsolutePath;
        var dialect = DialectOf(path, request);
        var response = Route(request.Method, path, uri.Query, body, dialect, ct);
        response.RequestMessage = request;
        return response;
    }

    private HttpResponseMessage Route(HttpMethod method, string path, string query, byte[] body, Dialect dialect, CancellationToken ct)
    {
        var known = path.EndsWith("/v1/messages", StringComparison.Ordinal)
            || path.EndsWith("/v1/messages/count_tokens", StringComparison.Ordinal)
            || path.EndsWith("/chat/completions", StringComparison.Ordinal)
            || GeminiRoute(path) is not null;
        if (method != HttpMethod.Post || !known)
            return Error(dialect, HttpStatusCode.NotFound, $"The sandbox has no route for {method} {path}.");

        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return Error(dialect, HttpStatusCode.BadRequest, $"The request body is not valid JSON: {ex.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object)
            return Error(dialect, HttpStatusCode.BadRequest, "The request body must be a JSON object.");

        var hash = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(path), .. body]))[..24];
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
            return OpenAi(root, hash, ct);
        if (GeminiRoute(path) is var (model, action))
        {
            var sse = query.TrimStart('?').Split('&').Contains("alt=sse", StringComparer.OrdinalIgnoreCase);
            return Gemini(root, model, action, sse, hash, ct);
        }
        return Anthropic(root, countOnly: path.EndsWith("/count_tokens", StringComparison.Ordinal), hash, ct);
    }

    // ---- Anthropic Messages API ----

    private HttpResponseMessage Anthropic(JsonElement root, bool countOnly, string hash, CancellationToken ct)
    {
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            return Error(Dialect.Anthropic, HttpStatusCode.BadRequest, "messages: Field required");
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : null;
        if (model is null)
            return Error(Dialect.Anthropic, HttpStatusCode.BadRequest, "model: Field required");

        var reply = Compose(model, Prop(root, "system"), messages, "content", "assistant");
        if (countOnly)
            return Json(HttpStatusCode.OK, new JsonObject { ["input_tokens"] = reply.InputTokens });

        var cacheRead = HasProperty(root, "cache_control") ? reply.InputTokens * 3 / 4 : 0;
        var id = "msg_sbx_" + hash;
        JsonObject Message(JsonArray content, string? stopReason, int outputTokens) => new()
        {
            ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = model, ["content"] = content,
            ["stop_reason"] = stopReason, ["stop_sequence"] = null,
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = reply.InputTokens - cacheRead, ["cache_creation_input_tokens"] = 0,
                ["cache_read_input_tokens"] = cacheRead, ["output_tokens"] = outputTokens,
            },
        };

        if (!Bool(root, "stream"))
            return Json(HttpStatusCode.OK, Message([new JsonObject { ["type"] = "text", ["text"] = reply.Text }], "end_turn", reply.OutputTokens));

        static string Event(string name, JsonObject data) => $"event: {name}\ndata: {data.ToJsonString(JsonOptions)}\n\n";
        IEnumerable<string> Events()
        {
            yield return Event("message_start", new() { ["type"] = "message_start", ["message"] = Message([], null, 1) });
            yield return Event("content_block_start", new()
            {
                ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
            });
            yield return Event("ping", new() { ["type"] = "ping" });
            foreach (var (piece, _) in reply.Pieces())
                yield return Event("content_block_delta", new()
                {
                    ["type"] = "content_block_delta", ["index"] = 0,
                    ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
                });
            yield return Event("content_block_stop", new() { ["type"] = "content_block_stop", ["index"] = 0 });
            yield return Event("message_delta", new()
            {
                ["type"] = "message_delta",
                ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null },
                ["usage"] = new JsonObject { ["output_tokens"] = reply.OutputTokens },
            });
            yield return Event("message_stop", new() { ["type"] = "message_stop" });
        }
        return Stream(EventStream, Events(), ct);
    }

    // ---- OpenAI Chat Completions ----

    private HttpResponseMessage OpenAi(JsonElement root, string hash, CancellationToken ct)
    {
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : null;
        if (model is null)
            return Error(Dialect.OpenAI, HttpStatusCode.BadRequest, "you must provide a model parameter");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
            return Error(Dialect.OpenAI, HttpStatusCode.BadRequest, "Missing required parameter: 'messages'.");

        var reply = Compose(model, null, messages, "content", "assistant", "system", "developer", "tool");
        var id = "chatcmpl-sbx" + hash;
        JsonObject Envelope(string type) => new()
        {
            ["id"] = id, ["object"] = type, ["created"] = Created, ["model"] = model,
            ["service_tier"] = "default", ["system_fingerprint"] = null,
        };
        JsonObject Usage() => new()
        {
            ["prompt_tokens"] = reply.InputTokens, ["completion_tokens"] = reply.OutputTokens,
            ["total_tokens"] = reply.InputTokens + reply.OutputTokens,
            ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
            ["completion_tokens_details"] = new JsonObject
            {
                ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0,
            },
        };

        if (!Bool(root, "stream"))
        {
            var completion = Envelope("chat.completion");
            completion["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text, ["refusal"] = null, ["annotations"] = new JsonArray() },
                ["logprobs"] = null, ["finish_reason"] = "stop",
            });
            completion["usage"] = Usage();
            return Json(HttpStatusCode.OK, completion);
        }

        var includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && Bool(options, "include_usage");
        string Chunk(JsonObject delta, string? finishReason)
        {
            var chunk = Envelope("chat.completion.chunk");
            chunk["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason,
            });
            if (includeUsage)
                chunk["usage"] = null;
            return $"data: {chunk.ToJsonString(JsonOptions)}\n\n";
        }
        IEnumerable<string> Events()
        {
            yield return Chunk(new() { ["role"] = "assistant", ["content"] = "", ["refusal"] = null }, null);
            foreach (var (piece, _) in reply.Pieces())
                yield return Chunk(new() { ["content"] = piece }, null);
            yield return Chunk(new(), "stop");
            if (includeUsage)
            {
                var last = Envelope("chat.completion.chunk");
                last["choices"] = new JsonArray();
                last["usage"] = Usage();
                yield return $"data: {last.ToJsonString(JsonOptions)}\n\n";
            }
            yield return "data: [DONE]\n\n";
        }
        return Stream(EventStream, Events(), ct);
    }

    // ---- Gemini generateContent ----

    private static (string Model, string Action)? GeminiRoute(string path)
    {
        var at = path.LastIndexOf("/models/", StringComparison.Ordinal);
        if (at < 0)
            return null;
        var tail = Uri.UnescapeDataString(path[(at + "/models/".Length)..]);
        var colon = tail.LastIndexOf(':');
        if (colon <= 0 || tail.Contains('/'))
            return null;
        var action = tail[(colon + 1)..];
        return action is "generateContent" or "streamGenerateContent" or "countTokens" ? (tail[..colon], action) : null;
    }

    private HttpResponseMessage Gemini(JsonElement root, string model, string action, bool sse, string hash, CancellationToken ct)
    {
        if (action == "countTokens" && root.TryGetProperty("generateContentRequest", out var wrapped) && wrapped.ValueKind == JsonValueKind.Object)
            root = wrapped;
        if (!root.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array)
            return Error(Dialect.Gemini, HttpStatusCode.BadRequest, "* GenerateContentRequest.contents: contents is not specified");

        var reply = Compose(model, Prop(root, "systemInstruction"), contents, "parts", "model");
        if (action == "countTokens")
            return Json(HttpStatusCode.OK, new JsonObject { ["totalTokens"] = reply.InputTokens });

        var responseId = "sbx" + hash;
        JsonObject Response(string text, int words, bool final)
        {
            var candidate = new JsonObject
            {
                ["content"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = text }), ["role"] = "model" },
            };
            if (final)
                candidate["finishReason"] = "STOP";
            candidate["index"] = 0;
            var output = OutputTokens(words);
            return new JsonObject
            {
                ["candidates"] = new JsonArray(candidate),
                ["usageMetadata"] = new JsonObject
                {
                    ["promptTokenCount"] = reply.InputTokens, ["candidatesTokenCount"] = output,
                    ["totalTokenCount"] = reply.InputTokens + output,
                },
                ["modelVersion"] = model, ["responseId"] = responseId,
            };
        }

        if (action == "generateContent")
            return Json(HttpStatusCode.OK, Response(reply.Text, reply.Words.Length, final: true));

        IEnumerable<string> Events()
        {
            var pieces = reply.Pieces().ToList();
            for (var i = 0; i < pieces.Count; i++)
            {
                var json = Response(pieces[i].Text, pieces[i].Words, final: i == pieces.Count - 1).ToJsonString(JsonOptions);
                // Without alt=sse Google streams one JSON array, element by element, with this exact separator.
                yield return sse ? $"data: {json}\r\n\r\n" : (i == 0 ? "[" : "\n,\r\n") + json;
            }
            if (!sse)
                yield return "]";
        }
        return Stream(sse ? EventStream : "application/json; charset=UTF-8", Events(), ct);
    }

    // ---- Shared helpers ----

    /// <summary>Builds the deterministic reply and its usage from the prompt of any dialect.</summary>
    private static Reply Compose(string model, JsonElement? system, JsonElement messages, string contentProperty, params string[] nonUserRoles)
    {
        var texts = new List<string>();
        if (system is { } s)
            CollectText(s, texts);
        CollectText(messages, texts);
        var inputTokens = Math.Max(1, (int)((texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t)) + 3) / 4));

        var said = "";
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
                continue;
            var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : "user";
            // Tool-result-only turns carry no text, so they keep the previous user text.
            if (!nonUserRoles.Contains(role) && UserText(Prop(message, contentProperty)) is { Length: > 0 } text)
                said = text;
        }
        said = Normalize(said);
        if (said.Length > 200)
            said = said[..(char.IsHighSurrogate(said[199]) ? 199 : 200)];

        var reply = Normalize($"Hello from the Agent Router sandbox ({model}). You said: \"{said}\". " +
            "No real model was called; configure a provider account to reach a real one.");
        var words = reply.Split(' ');
        return new Reply(reply, words, inputTokens, OutputTokens(words.Length));
    }

    private static int OutputTokens(int words) => Math.Max(1, (words * 4 + 2) / 3);

    private static string Normalize(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Text of a user turn: a plain string, or the <c>text</c> of its blocks/parts.</summary>
    private static string UserText(JsonElement? content) => content switch
    {
        { ValueKind: JsonValueKind.String } c => c.GetString()!,
        { ValueKind: JsonValueKind.Array } c => string.Join(' ', c.EnumerateArray()
            .Select(p => p.ValueKind == JsonValueKind.Object ? Prop(p, "text") : null)
            .Where(t => t?.ValueKind == JsonValueKind.String)
            .Select(t => t!.Value.GetString())),
        _ => "",
    };

    /// <summary>Every prompt string: plain strings plus <c>text</c>, <c>content</c> and <c>parts</c> members, recursively.</summary>
    private static void CollectText(JsonElement element, List<string> into)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                into.Add(element.GetString()!);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    CollectText(item, into);
                break;
            case JsonValueKind.Object:
                foreach (var name in (ReadOnlySpan<string>)["text", "content", "parts"])
                    if (element.TryGetProperty(name, out var value))
                        CollectText(value, into);
                break;
        }
    }

    private static bool HasProperty(JsonElement element, string name) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => p.NameEquals(name) || HasProperty(p.Value, name)),
        JsonValueKind.Array => element.EnumerateArray().Any(e => HasProperty(e, name)),
        _ => false,
    };

    private static JsonElement? Prop(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value : null;

    private static bool Bool(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static Dialect DialectOf(string path, HttpRequestMessage request) =>
        path.Contains("/v1beta/", StringComparison.Ordinal) || GeminiRoute(path) is not null || request.Headers.Contains("x-goog-api-key")
            ? Dialect.Gemini
            : path.Contains("/messages", StringComparison.Ordinal) || request.Headers.Contains("anthropic-version")
                ? Dialect.Anthropic
                : Dialect.OpenAI;

    private static HttpResponseMessage Error(Dialect dialect, HttpStatusCode status, string message)
    {
        var notFound = status == HttpStatusCode.NotFound;
        return Json(status, dialect switch
        {
            Dialect.Anthropic => new JsonObject
            {
                ["type"] = "error",
                ["error"] = new JsonObject { ["type"] = notFound ? "not_found_error" : "invalid_request_error", ["message"] = message },
            },
            Dialect.OpenAI => new JsonObject
            {
                ["error"] = new JsonObject
                {
                    ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = notFound ? "not_found" : null,
                },
            },
            _ => new JsonObject
            {
                ["error"] = new JsonObject { ["code"] = (int)status, ["message"] = message, ["status"] = notFound ? "NOT_FOUND" : "INVALID_ARGUMENT" },
            },
        });
    }

    private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToJsonString(JsonOptions)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage(status) { Content = content };
    }

    /// <summary>
    /// Returns as soon as headers are ready; a background producer pushes each event through a pipe so the reader
    /// sees it (flushed) before the next one is produced.
    /// </summary>
    private HttpResponseMessage Stream(string contentType, IEnumerable<string> events, CancellationToken ct)
    {
        var pipe = new Pipe();
        _ = Task.Run(async () =>
        {
            try
            {
                var first = true;
                foreach (var frame in events)
                {
                    if (!first && eventDelay > TimeSpan.Zero)
                        await Task.Delay(eventDelay, ct);
                    first = false;
                    // WriteAsync flushes; a completed result means the reader went away.
                    var flushed = await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(frame), ct);
                    if (flushed.IsCompleted)
                        break;
                }
                await pipe.Writer.CompleteAsync();
            }
            catch (Exception ex)
            {
                await pipe.Writer.CompleteAsync(ex);
            }
        }, CancellationToken.None);

        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        response.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        return response;
    }
}
