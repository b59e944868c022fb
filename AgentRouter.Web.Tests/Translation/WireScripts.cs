using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRouter.Web.Tests.Translation;

/// <summary>Recorded-shape upstream answers for the loopback fakes (<c>FakeProvider.Respond</c>), and readers of the
/// translated streams the gateway sends back.</summary>
public static class WireScripts
{
    /// <summary>JSON as the providers and the gateway write it: quotes escaped as \", non-ASCII as is.</summary>
    public static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Answers with these SSE frames, flushed one by one.</summary>
    public static Func<HttpContext, Task> Sse(params string[] frames) => async context =>
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        foreach (var frame in frames)
        {
            await context.Response.WriteAsync(frame);
            await context.Response.Body.FlushAsync();
        }
    };

    public static Func<HttpContext, Task> JsonAnswer(string json, int status = 200) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    };

    public static string Anthropic(string name, object data) => $"event: {name}\ndata: {JsonSerializer.Serialize(data)}\n\n";

    public static string Data(object data) => $"data: {JsonSerializer.Serialize(data)}\n\n";

    /// <summary>An Anthropic stream: thinking with a signature, text, then a tool call whose arguments arrive in two pieces.</summary>
    public static string[] AnthropicThinkingTextToolCall(string model, int input, int cacheRead, int output) =>
    [
        Anthropic("message_start", new { type = "message_start", message = new { id = "msg_01X", type = "message", role = "assistant", model, content = Array.Empty<object>(),
            stop_reason = (string?)null, stop_sequence = (string?)null, usage = new { input_tokens = input, cache_creation_input_tokens = 0, cache_read_input_tokens = cacheRead, output_tokens = 1 } } }),
        Anthropic("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "thinking", thinking = "", signature = "" } }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "thinking_delta", thinking = "List the files." } }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "signature_delta", signature = "EqQBCkYSIGFudGhyb3BpYw==" } }),
        Anthropic("content_block_stop", new { type = "content_block_stop", index = 0 }),
        Anthropic("content_block_start", new { type = "content_block_start", index = 1, content_block = new { type = "text", text = "" } }),
        Anthropic("ping", new { type = "ping" }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 1, delta = new { type = "text_delta", text = "Let me " } }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 1, delta = new { type = "text_delta", text = "look." } }),
        Anthropic("content_block_stop", new { type = "content_block_stop", index = 1 }),
        Anthropic("content_block_start", new { type = "content_block_start", index = 2, content_block = new { type = "tool_use", id = "toolu_01A", name = "shell", input = new { } } }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 2, delta = new { type = "input_json_delta", partial_json = "{\"command\":[\"l" } }),
        Anthropic("content_block_delta", new { type = "content_block_delta", index = 2, delta = new { type = "input_json_delta", partial_json = "s\"]}" } }),
        Anthropic("content_block_stop", new { type = "content_block_stop", index = 2 }),
        Anthropic("message_delta", new { type = "message_delta", delta = new { stop_reason = "tool_use", stop_sequence = (string?)null }, usage = new { output_tokens = output } }),
        Anthropic("message_stop", new { type = "message_stop" }),
    ];

    /// <summary>The SSE events of a stream, as (event name or null, data JSON) pairs.</summary>
    public static List<(string? Event, JsonObject Data)> Events(string body)
    {
        var events = new List<(string?, JsonObject)>();
        foreach (var frame in body.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string? name = null;
            foreach (var line in frame.Split('\n'))
            {
                if (line.StartsWith("event: "))
                    name = line["event: ".Length..];
                else if (line.StartsWith("data: ") && line != "data: [DONE]")
                    events.Add((name, JsonNode.Parse(line["data: ".Length..])!.AsObject()));
            }
        }
        return events;
    }

    public static string Type(JsonObject data) => data["type"]!.GetValue<string>();

    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");
}
