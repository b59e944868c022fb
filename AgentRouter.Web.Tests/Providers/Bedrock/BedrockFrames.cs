using System.Text;
using System.Text.Json;
using Amazon.Runtime.EventStreams;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>Real <c>application/vnd.amazon.eventstream</c> frames (prelude, headers, payload, both CRCs) as Bedrock
/// sends them, encoded by AWSSDK.Core's own message writer.</summary>
public static class BedrockFrames
{
    /// <summary>A <c>chunk</c> event carrying one Anthropic event: <c>{"bytes":"&lt;base64 json&gt;","p":"…"}</c>.</summary>
    public static byte[] Chunk(object anthropicEvent)
    {
        var json = anthropicEvent is string raw ? Encoding.UTF8.GetBytes(raw) : JsonSerializer.SerializeToUtf8Bytes(anthropicEvent);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new { bytes = Convert.ToBase64String(json), p = "abcdefgh" });
        return Frame(payload, (":event-type", "chunk"), (":content-type", "application/json"), (":message-type", "event"));
    }

    /// <summary>An exception event, e.g. <c>throttlingException</c>, with its JSON message.</summary>
    public static byte[] Exception(string exceptionType, string message) =>
        Frame(JsonSerializer.SerializeToUtf8Bytes(new { message }), (":exception-type", exceptionType), (":content-type", "application/json"), (":message-type", "exception"));

    public static byte[] Frame(byte[] payload, params (string Name, string Value)[] headers)
    {
        var list = new List<IEventStreamHeader>();
        foreach (var (name, value) in headers)
        {
            var header = new EventStreamHeader(name);
            header.SetString(value);
            list.Add(header);
        }
        return new EventStreamMessage(list, payload).ToByteArray();
    }

    /// <summary>The events of a streamed tool-use answer, as Claude on Bedrock sends them, ending with the invocation
    /// metrics Bedrock adds to <c>message_stop</c>.</summary>
    public static IReadOnlyList<object> ToolUseAnswer(string model, int input, int output, int cacheRead = 0, int cacheWrite = 0, int? metricsOutput = null) =>
    [
        new { type = "message_start", message = new { id = "msg_bdrk_01", type = "message", role = "assistant", model, content = Array.Empty<object>(), stop_reason = (string?)null,
            usage = new { input_tokens = input, cache_creation_input_tokens = cacheWrite, cache_read_input_tokens = cacheRead, output_tokens = 1 } } },
        new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } },
        new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = "Reading the file." } },
        new { type = "content_block_stop", index = 0 },
        new { type = "content_block_start", index = 1, content_block = new { type = "tool_use", id = "toolu_bdrk_01", name = "Read", input = new { } } },
        new { type = "content_block_delta", index = 1, delta = new { type = "input_json_delta", partial_json = "{\"file_path\":" } },
        new { type = "content_block_delta", index = 1, delta = new { type = "input_json_delta", partial_json = "\"/src/app.cs\"}" } },
        new { type = "content_block_stop", index = 1 },
        new { type = "message_delta", delta = new { stop_reason = "tool_use", stop_sequence = (string?)null }, usage = new { output_tokens = output } },
        new Dictionary<string, object>
        {
            ["type"] = "message_stop",
            ["amazon-bedrock-invocationMetrics"] = new { inputTokenCount = input, outputTokenCount = metricsOutput ?? output, invocationLatency = 812, firstByteLatency = 240 },
        },
    ];
}
