using System.Buffers;
using System.IO.Pipelines;
using System.Text;

// Usage: AgentRouter.Bench.Upstream --urls http://127.0.0.1:PORT
// POST /v1/messages          Anthropic Messages: JSON, or SSE (50 events) when the body says "stream":true
// POST /v1/chat/completions  OpenAI Chat: JSON, or SSE (50 chunks; the usage chunk only when asked for)
// ?delay_ms=N                pause N ms between streamed events (long-lived streams); 0 = all at once; through a
//                            gateway that drops unknown query parameters, a top-level "bench_delay_ms":N in the body
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
    kestrel.Limits.MaxConcurrentConnections = null;
    kestrel.Limits.MinResponseDataRate = null;
});
var app = builder.Build();

app.MapPost("/v1/messages", (HttpContext context) => Fake.AnswerAsync(context, Wire.Anthropic));
app.MapPost("/v1/chat/completions", (HttpContext context) => Fake.AnswerAsync(context, Wire.OpenAI));
app.MapGet("/healthz", () => "ok");
app.Run();

internal sealed record Dialect(byte[] Json, byte[][] Events, byte[]? UsageEvent, byte[]? Done);

internal static class Fake
{
    public static async Task AnswerAsync(HttpContext context, Dialect dialect)
    {
        var (stream, includeUsage, bodyDelay) = await ReadFlagsAsync(context.Request.BodyReader, context.RequestAborted);
        var response = context.Response;
        if (!stream)
        {
            response.ContentType = "application/json";
            response.ContentLength = dialect.Json.Length;
            await response.Body.WriteAsync(dialect.Json, context.RequestAborted);
            return;
        }

        var delay = int.TryParse(context.Request.Query["delay_ms"], out var ms) ? ms : bodyDelay;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var writer = response.BodyWriter;
        foreach (var e in dialect.Events)
        {
            // One write and flush per event, as a provider sends them.
            await writer.WriteAsync(e, context.RequestAborted);
            if (delay > 0)
                await Task.Delay(delay, context.RequestAborted);
        }
        if (includeUsage && dialect.UsageEvent is { } usage)
            await writer.WriteAsync(usage, context.RequestAborted);
        if (dialect.Done is { } done)
            await writer.WriteAsync(done, context.RequestAborted);
    }

    /// <summary>Drains the body, looking only for the two flags the answer depends on (bodies are written by the bench).</summary>
    private static async Task<(bool Stream, bool IncludeUsage, int DelayMs)> ReadFlagsAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        bool stream = false, includeUsage = false;
        var delay = 0;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (result.IsCompleted)
            {
                // The whole body is in the buffer now; search it once.
                var bytes = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
                stream = bytes.IndexOf("\"stream\":true"u8) >= 0;
                includeUsage = bytes.IndexOf("\"include_usage\":true"u8) >= 0;
                var at = bytes.IndexOf("\"bench_delay_ms\":"u8);
                if (at >= 0)
                    System.Buffers.Text.Utf8Parser.TryParse(bytes[(at + "\"bench_delay_ms\":".Length)..], out delay, out _);
                reader.AdvanceTo(buffer.End);
                return (stream, includeUsage, delay);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}

internal static class Wire
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    public static readonly Dialect Anthropic = new(
        Utf8("""{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":2095,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":503,"service_tier":"standard"}}"""),
        [
            Utf8("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"cache_creation_input_tokens\":1024,\"cache_read_input_tokens\":20480,\"output_tokens\":2}}}\n\n"),
            Utf8("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"),
            Utf8("event: ping\ndata: {\"type\": \"ping\"}\n\n"),
            .. Enumerable.Range(0, 44).Select(i => Utf8(
                $"event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"Token {i} of a streamed answer \"}}}}\n\n")),
            Utf8("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"),
            Utf8("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":312}}\n\n"),
            Utf8("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
        ],
        UsageEvent: null,
        Done: null);

    private const string ChunkHead = """{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_fc9f1d7035""";

    public static readonly Dialect OpenAI = new(
        Utf8("""{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":12,"audio_tokens":0}},"system_fingerprint":"fp_fc9f1d7035"}"""),
        [
            Utf8("data: " + ChunkHead + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"),
            .. Enumerable.Range(0, 48).Select(i => Utf8(
                "data: " + ChunkHead + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Token " + i + " of a streamed answer \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n")),
            Utf8("data: " + ChunkHead + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"),
        ],
        UsageEvent: Utf8("data: " + ChunkHead + ",\"choices\":[],\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,\"total_tokens\":1163,\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":12}}}\n\n"),
        Done: Utf8("data: [DONE]\n\n"));
}
