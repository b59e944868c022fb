using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRouter.Web.Tests.Fakes;

/// <summary>The provider wire format a <see cref="FakeProvider"/> speaks.</summary>
public enum FakeDialect { Anthropic, OpenAI, Gemini }

/// <summary>How a streamed answer of a <see cref="FakeProvider"/> ended.</summary>
public enum FakeStreamEnd
{
    /// <summary>Every event was written and flushed.</summary>
    Completed,
    /// <summary>The client (the gateway) went away before the stream finished.</summary>
    ClientGone,
    /// <summary>The fake cut the stream itself (<see cref="FakeProvider.BreakMidStream"/>) or failed.</summary>
    Broken,
}

/// <summary>One request as the fake received it.</summary>
/// <param name="Method">HTTP method, e.g. "POST".</param>
/// <param name="Path">Decoded request path, e.g. "/v1/messages".</param>
/// <param name="QueryString">Raw query string including the leading '?', or empty.</param>
/// <param name="Headers">Lower-case header names (lookup is case-insensitive); repeated values joined by ", ".</param>
/// <param name="Body">Request body as UTF-8 text.</param>
public sealed record RecordedRequest(string Method, string Path, string QueryString, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON; throws <see cref="JsonException"/> when it is not JSON.</summary>
    public JsonElement BodyJson() => JsonSerializer.Deserialize<JsonElement>(Body);
}

/// <summary>Token counts the fake reports. <see cref="Input"/> is uncached input: OpenAI and Gemini report
/// Input + CacheRead as their prompt count. <see cref="Output"/> is written verbatim as each provider's output
/// count (OpenAI's completion_tokens conventionally includes reasoning; Gemini's candidatesTokenCount does not).
/// <see cref="CacheWrite"/> is Anthropic-only, as are <see cref="CacheWrite1h"/> (the one-hour part of it, reported in
/// <c>cache_creation</c>) and <see cref="WebSearches"/> (<c>server_tool_use</c>, reported with the final usage).</summary>
public sealed record FakeUsage(int Input, int Output, int CacheWrite = 0, int CacheRead = 0, int Reasoning = 0, int CacheWrite1h = 0, int WebSearches = 0);

/// <summary>A loopback fake of an LLM provider upstream (real Kestrel on 127.0.0.1, random port) that answers in the
/// real Anthropic, OpenAI or Gemini wire format and records every request it receives.</summary>
public sealed class FakeProvider : IAsyncDisposable
{
    private const string EventStream = "text/event-stream; charset=utf-8";
    private const string JsonType = "application/json; charset=utf-8";
    private static readonly JsonSerializerOptions OmitNulls = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];
    private TaskCompletionSource<FakeStreamEnd> _streamEnded = NewStreamEnded();

    private FakeProvider(FakeDialect dialect, WebApplication app) => (Dialect, _app) = (dialect, app);

    /// <summary>Starts a fake speaking <paramref name="dialect"/> on a free loopback port.</summary>
    public static async Task<FakeProvider> StartAsync(FakeDialect dialect)
    {
        // Suites start many fakes: file watchers on appsettings.json would exhaust inotify instances on Linux.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeProvider(dialect, app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        // WebApplication.Urls reads IServerAddressesFeature, which holds the actually bound port after start.
        fake.Origin = app.Urls.Single();
        return fake;
    }

    /// <summary>The wire format this fake speaks.</summary>
    public FakeDialect Dialect { get; }

    /// <summary>Scheme, host and port only: "http://127.0.0.1:PORT".</summary>
    public string Origin { get; private set; } = "";

    /// <summary>Base URL as the provider's own SDK takes it: Anthropic and Gemini "http://127.0.0.1:PORT",
    /// OpenAI "http://127.0.0.1:PORT/v1".</summary>
    public string BaseUrl => Dialect == FakeDialect.OpenAI ? Origin + "/v1" : Origin;

    /// <summary>Snapshot of every request received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) return _requests.ToArray(); } }

    /// <summary>The most recent request; throws <see cref="InvalidOperationException"/> when none arrived yet.</summary>
    public RecordedRequest LastRequest
    {
        get { lock (_requests) return _requests.Count > 0 ? _requests[^1] : throw new InvalidOperationException("The fake provider has received no request."); }
    }

    /// <summary>Token usage the next answers report.</summary>
    public FakeUsage Usage { get; set; } = new(12, 7);

    /// <summary>Text the next answers contain; streams split it into up to three deltas.</summary>
    public string ReplyText { get; set; } = "Hello from the fake.";

    /// <summary>When set, every request (still recorded) is answered with this status and body instead.</summary>
    public (int Status, string Body)? Failure { get; set; }

    /// <summary>When set, every request (still recorded) is answered by this instead: for answers at the wire level
    /// (compressed, cut short, carrying error events or impossible numbers).</summary>
    public Func<HttpContext, Task>? Respond { get; set; }

    /// <summary>When non-null, a streamed answer writes and flushes its first event, then awaits this task
    /// (or the client going away) before writing the rest.</summary>
    public Task? HoldAfterFirstEvent { get; set; }

    /// <summary>When true, a streamed answer breaks off right after its first content event: the client receives
    /// every event written so far, then the connection closes without the terminating chunk, so its read fails
    /// (HttpClient: <c>HttpIOException</c> "The response ended prematurely").</summary>
    public bool BreakMidStream { get; set; }

    /// <summary>Completes when a streamed answer finished writing, was broken, or lost its client, telling which.
    /// The first stream to end after construction or <see cref="ResetStreamEnded"/> sets it.</summary>
    public Task<FakeStreamEnd> StreamEnded => Volatile.Read(ref _streamEnded).Task;

    /// <summary>Arms a fresh <see cref="StreamEnded"/> for the next streamed answer.</summary>
    public void ResetStreamEnded() => Volatile.Write(ref _streamEnded, NewStreamEnded());

    /// <summary>Stops the server, aborting any stream still held open.</summary>
    public async ValueTask DisposeAsync()
    {
        // An already-cancelled token makes Kestrel abort open connections instead of waiting out the shutdown timeout.
        await _app.StopAsync(new CancellationToken(canceled: true));
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var request = ctx.Request;
        var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync(ctx.RequestAborted);
        var headers = request.Headers.ToDictionary(
            h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value.ToArray()), StringComparer.OrdinalIgnoreCase);
        var path = request.Path.Value ?? "";
        lock (_requests) _requests.Add(new(request.Method, path, request.QueryString.Value ?? "", headers, body));

        if (Respond is { } respond)
        {
            await respond(ctx);
            return;
        }
        if (Failure is { } failure)
        {
            var isJson = failure.Body.TrimStart() is ['{' or '[', ..];
            await WriteAsync(ctx, failure.Body, failure.Status, isJson ? JsonType : "text/plain; charset=utf-8");
            return;
        }

        var json = ParseOrNull(body);
        var answer = !HttpMethods.IsPost(request.Method) ? null : Dialect switch
        {
            FakeDialect.Anthropic => Anthropic(ctx, path, json),
            FakeDialect.OpenAI => OpenAI(ctx, path, json),
            _ => Gemini(ctx, path),
        };
        await (answer ?? WriteAsync(ctx, Json(new { error = new { type = "not_found", message = $"Fake {Dialect} provider has no route {request.Method} {path}" } }), 404));
    }

    private Task? Anthropic(HttpContext ctx, string path, JsonObject? body) => path switch
    {
        "/v1/messages/count_tokens" => WriteAsync(ctx, Json(new { input_tokens = Usage.Input })),
        "/v1/messages" when Flag(body?["stream"]) => AnthropicStreamAsync(ctx, Model(body)),
        "/v1/messages" => WriteAsync(ctx, Json(new
        {
            id = NewId("msg_fake"), type = "message", role = "assistant", model = Model(body),
            content = new[] { new { type = "text", text = ReplyText } },
            stop_reason = "end_turn", stop_sequence = (string?)null, usage = AnthropicUsage(Usage, Usage.Output),
        })),
        _ => null,
    };

    private Task AnthropicStreamAsync(HttpContext ctx, string model)
    {
        var usage = Usage;
        var frames = new List<string>
        {
            Event("message_start", new
            {
                type = "message_start",
                message = new
                {
                    id = NewId("msg_fake"), type = "message", role = "assistant", model, content = Array.Empty<object>(),
                    stop_reason = (string?)null, stop_sequence = (string?)null, usage = AnthropicUsage(usage, 1),
                },
            }),
            Event("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } }),
            Event("ping", new { type = "ping" }),
        };
        frames.AddRange(Pieces(ReplyText).Select(piece =>
            Event("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = piece } })));
        frames.Add(Event("content_block_stop", new { type = "content_block_stop", index = 0 }));
        frames.Add(Event("message_delta", new
        {
            type = "message_delta", delta = new { stop_reason = "end_turn", stop_sequence = (string?)null },
            // With server tools the final delta repeats the cumulative usage, server_tool_use included.
            usage = usage.WebSearches > 0 ? AnthropicUsage(usage, usage.Output) : new { output_tokens = usage.Output },
        }));
        frames.Add(Event("message_stop", new { type = "message_stop" }));
        return StreamAsync(ctx, EventStream, frames, firstContentFrame: 3);

        static string Event(string name, object data) => $"event: {name}\ndata: {Json(data)}\n\n";
    }

    private static object AnthropicUsage(FakeUsage u, int output)
    {
        var usage = new JsonObject
        {
            ["input_tokens"] = u.Input, ["cache_creation_input_tokens"] = u.CacheWrite, ["cache_read_input_tokens"] = u.CacheRead,
            ["cache_creation"] = new JsonObject { ["ephemeral_5m_input_tokens"] = u.CacheWrite - u.CacheWrite1h, ["ephemeral_1h_input_tokens"] = u.CacheWrite1h },
            ["output_tokens"] = output,
        };
        if (u.WebSearches > 0)
            usage["server_tool_use"] = new JsonObject { ["web_search_requests"] = u.WebSearches };
        return usage;
    }

    private Task? OpenAI(HttpContext ctx, string path, JsonObject? body) => path switch
    {
        "/v1/chat/completions" when Flag(body?["stream"]) => OpenAIStreamAsync(ctx, Model(body), Flag(body?["stream_options"]?["include_usage"])),
        "/v1/chat/completions" => WriteAsync(ctx, Json(new
        {
            id = NewId("chatcmpl-fake"), @object = "chat.completion", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model = Model(body),
            choices = new[] { new { index = 0, message = new { role = "assistant", content = ReplyText, refusal = (string?)null }, logprobs = (object?)null, finish_reason = "stop" } },
            usage = OpenAIUsage(Usage), system_fingerprint = (string?)null,
        })),
        "/v1/responses" when Flag(body?["stream"]) => ResponsesStreamAsync(ctx, Model(body)),
        "/v1/responses" => WriteAsync(ctx, ResponseObject(NewId("resp_fake"), Model(body), "completed", NewId("msg_fake"), ReplyText, Usage).ToJsonString()),
        _ => null,
    };

    /// <summary>A Responses API response object with one assistant message (the shape of <c>response.completed</c>'s
    /// <c>response</c>, and of a non-streamed answer); <paramref name="usage"/> null while the response is in progress.</summary>
    private static JsonObject ResponseObject(string id, string model, string status, string messageId, string? text, FakeUsage? usage) => new()
    {
        ["id"] = id, ["object"] = "response", ["created_at"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["status"] = status,
        ["error"] = null, ["incomplete_details"] = null, ["instructions"] = null, ["max_output_tokens"] = null, ["model"] = model,
        ["output"] = text is null ? new JsonArray() : new JsonArray(new JsonObject
        {
            ["id"] = messageId, ["type"] = "message", ["status"] = "completed", ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(), ["text"] = text }),
        }),
        ["parallel_tool_calls"] = true, ["previous_response_id"] = null, ["store"] = false, ["temperature"] = 1.0, ["tool_choice"] = "auto",
        ["tools"] = new JsonArray(), ["top_p"] = 1.0, ["truncation"] = "disabled",
        ["usage"] = usage is null ? null : new JsonObject
        {
            ["input_tokens"] = usage.Input + usage.CacheRead, ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CacheRead },
            ["output_tokens"] = usage.Output, ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = usage.Reasoning },
            ["total_tokens"] = usage.Input + usage.CacheRead + usage.Output,
        },
    };

    /// <summary>The Responses API's streamed event sequence for one text message: every event named in an
    /// <c>event:</c> line, numbered by <c>sequence_number</c>, with no <c>[DONE]</c>.</summary>
    private Task ResponsesStreamAsync(HttpContext ctx, string model)
    {
        var (id, messageId, usage, sequence) = (NewId("resp_fake"), NewId("msg_fake"), Usage, 0);
        var frames = new List<string>
        {
            Event("response.created", new JsonObject { ["response"] = ResponseObject(id, model, "in_progress", messageId, null, null) }),
            Event("response.in_progress", new JsonObject { ["response"] = ResponseObject(id, model, "in_progress", messageId, null, null) }),
            Event("response.output_item.added", new JsonObject { ["output_index"] = 0, ["item"] = new JsonObject
                { ["id"] = messageId, ["type"] = "message", ["status"] = "in_progress", ["role"] = "assistant", ["content"] = new JsonArray() } }),
            Event("response.content_part.added", new JsonObject { ["item_id"] = messageId, ["output_index"] = 0, ["content_index"] = 0,
                ["part"] = new JsonObject { ["type"] = "output_text", ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray(), ["text"] = "" } }),
        };
        frames.AddRange(Pieces(ReplyText).Select(piece => Event("response.output_text.delta", new JsonObject
            { ["item_id"] = messageId, ["output_index"] = 0, ["content_index"] = 0, ["delta"] = piece, ["logprobs"] = new JsonArray() })));
        frames.Add(Event("response.output_text.done", new JsonObject
            { ["item_id"] = messageId, ["output_index"] = 0, ["content_index"] = 0, ["text"] = ReplyText, ["logprobs"] = new JsonArray() }));
        var completed = ResponseObject(id, model, "completed", messageId, ReplyText, usage);
        frames.Add(Event("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = completed["output"]![0]!.DeepClone() }));
        frames.Add(Event("response.completed", new JsonObject { ["response"] = completed }));
        return StreamAsync(ctx, EventStream, frames, firstContentFrame: 4);

        string Event(string type, JsonObject data)
        {
            var ordered = new JsonObject { ["type"] = type };
            foreach (var (name, value) in data.ToList())
            {
                data.Remove(name);
                ordered[name] = value;
            }
            ordered["sequence_number"] = sequence++;
            return $"event: {type}\ndata: {ordered.ToJsonString()}\n\n";
        }
    }

    private Task OpenAIStreamAsync(HttpContext ctx, string model, bool includeUsage)
    {
        var (id, created, usage) = (NewId("chatcmpl-fake"), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Usage);
        var frames = new List<string> { Chunk(new { role = "assistant", content = "" }, null) };
        frames.AddRange(Pieces(ReplyText).Select(piece => Chunk(new { content = piece }, null)));
        frames.Add(Chunk(new { }, "stop"));
        if (includeUsage)
            frames.Add($"data: {Json(new { id, @object = "chat.completion.chunk", created, model, system_fingerprint = (string?)null, choices = Array.Empty<object>(), usage = OpenAIUsage(usage) })}\n\n");
        frames.Add("data: [DONE]\n\n");
        return StreamAsync(ctx, EventStream, frames, firstContentFrame: 1);

        string Chunk(object delta, string? finishReason)
        {
            var chunk = JsonSerializer.SerializeToNode(new
            {
                id, @object = "chat.completion.chunk", created, model, system_fingerprint = (string?)null,
                choices = new[] { new { index = 0, delta, logprobs = (object?)null, finish_reason = finishReason } },
            })!;
            // With include_usage the real API puts an explicit "usage": null on every chunk but the last.
            if (includeUsage) chunk["usage"] = null;
            return $"data: {chunk.ToJsonString()}\n\n";
        }
    }

    private static object OpenAIUsage(FakeUsage u) => new
    {
        prompt_tokens = u.Input + u.CacheRead, completion_tokens = u.Output, total_tokens = u.Input + u.CacheRead + u.Output,
        prompt_tokens_details = new { cached_tokens = u.CacheRead }, completion_tokens_details = new { reasoning_tokens = u.Reasoning },
    };

    private Task? Gemini(HttpContext ctx, string path)
    {
        const string prefix = "/v1beta/models/";
        // The model segment is "{model}:{method}", so split at the last colon.
        var colon = path.LastIndexOf(':');
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || colon < prefix.Length) return null;
        var (model, method, usage) = (path[prefix.Length..colon], path[(colon + 1)..], Usage);
        return method switch
        {
            "generateContent" => WriteAsync(ctx, GeminiChunk(usage, model, NewId("fake"), ReplyText, usage.Output, final: true)),
            "streamGenerateContent" => GeminiStreamAsync(ctx, model, usage, sse: ctx.Request.Query["alt"] == "sse"),
            "countTokens" => WriteAsync(ctx, Json(new { totalTokens = usage.Input })),
            _ => null,
        };
    }

    private Task GeminiStreamAsync(HttpContext ctx, string model, FakeUsage usage, bool sse)
    {
        var (id, pieces) = (NewId("fake"), Pieces(ReplyText));
        var chunks = pieces.Select((piece, i) =>
            GeminiChunk(usage, model, id, piece, usage.Output * (i + 1) / pieces.Length, final: i == pieces.Length - 1)).ToList();
        if (sse) return StreamAsync(ctx, EventStream, chunks.Select(c => $"data: {c}\r\n\r\n").ToList(), firstContentFrame: 0);

        // Without alt=sse Gemini streams a single JSON array, one element at a time.
        var frames = chunks.Select((c, i) => (i == 0 ? "[" : "\n,\r\n") + c).ToList();
        frames[^1] += "]";
        return StreamAsync(ctx, JsonType, frames, firstContentFrame: 0);
    }

    private static string GeminiChunk(FakeUsage u, string model, string id, string text, int output, bool final) => JsonSerializer.Serialize(new
    {
        candidates = new[] { new { content = new { parts = new[] { new { text } }, role = "model" }, finishReason = final ? "STOP" : null, index = 0 } },
        usageMetadata = new
        {
            promptTokenCount = u.Input + u.CacheRead, candidatesTokenCount = output,
            cachedContentTokenCount = u.CacheRead > 0 ? u.CacheRead : (int?)null, thoughtsTokenCount = u.Reasoning > 0 ? u.Reasoning : (int?)null,
            totalTokenCount = u.Input + u.CacheRead + output + u.Reasoning,
        },
        modelVersion = model, responseId = id,
    }, OmitNulls);

    private async Task StreamAsync(HttpContext ctx, string contentType, List<string> frames, int firstContentFrame)
    {
        var (hold, breakMidStream, aborted) = (HoldAfterFirstEvent, BreakMidStream, ctx.RequestAborted);
        FakeStreamEnd? end = null;
        try
        {
            ctx.Response.ContentType = contentType;
            ctx.Response.Headers.CacheControl = "no-cache";
            await ctx.Response.StartAsync(aborted);
            for (var i = 0; i < frames.Count; i++)
            {
                await ctx.Response.WriteAsync(frames[i], aborted);
                await ctx.Response.Body.FlushAsync(aborted);
                if (i == 0 && hold is not null) await hold.WaitAsync(aborted);
                if (i == firstContentFrame && breakMidStream)
                {
                    end = FakeStreamEnd.Broken;
                    // Not HttpContext.Abort(): that resets the socket and the client usually loses the events already
                    // flushed. An exception after the response started makes Kestrel send what it has, then close
                    // without the final chunk, so the client deterministically reads the partial stream, then fails.
                    throw new IOException("Fake upstream broke the stream on purpose (BreakMidStream).");
                }
            }
            end = aborted.IsCancellationRequested ? FakeStreamEnd.ClientGone : FakeStreamEnd.Completed;
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The client went away mid-stream; that is an outcome to report, not a failure of the fake.
        }
        finally
        {
            Volatile.Read(ref _streamEnded).TrySetResult(end ?? (aborted.IsCancellationRequested ? FakeStreamEnd.ClientGone : FakeStreamEnd.Broken));
        }
    }

    private static Task WriteAsync(HttpContext ctx, string content, int status = StatusCodes.Status200OK, string contentType = JsonType)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = contentType;
        return ctx.Response.WriteAsync(content, ctx.RequestAborted);
    }

    /// <summary>Splits text into up to three pieces (never inside a surrogate pair) so clients must concatenate deltas.</summary>
    private static string[] Pieces(string text)
    {
        var count = Math.Clamp(text.Length, 1, 3);
        var cuts = Enumerable.Range(0, count + 1).Select(i =>
        {
            var cut = i * text.Length / count;
            return cut > 0 && cut < text.Length && char.IsLowSurrogate(text[cut]) ? cut + 1 : cut;
        }).ToArray();
        return Enumerable.Range(0, count).Select(i => text[cuts[i]..cuts[i + 1]]).ToArray();
    }

    private static JsonObject? ParseOrNull(string body)
    {
        try { return JsonNode.Parse(body) as JsonObject; }
        catch (JsonException) { return null; }
    }

    private static bool Flag(JsonNode? node) => node is JsonValue value && value.TryGetValue(out bool flag) && flag;

    private static string Model(JsonObject? body) => body?["model"] is JsonValue value && value.TryGetValue(out string? model) ? model : "unknown-model";

    private static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    private static string Json(object value) => JsonSerializer.Serialize(value);

    private static TaskCompletionSource<FakeStreamEnd> NewStreamEnded() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
