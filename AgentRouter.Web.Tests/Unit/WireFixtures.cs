using System.Text;

namespace AgentRouter.Web.Tests.Unit;

/// <summary>Provider wire formats (as the real APIs send them) and byte helpers shared by the unit tests.</summary>
internal static class WireFixtures
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>Splits <paramref name="data"/> into consecutive pieces of at most <paramref name="size"/> bytes.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Chunks(byte[] data, int size)
    {
        for (var at = 0; at < data.Length; at += size)
            yield return data.AsMemory(at, Math.Min(size, data.Length - at));
    }

    /// <summary>Joins SSE events (each given as its lines) with <paramref name="newline"/>, each ended by a blank line.</summary>
    public static string Sse(string newline, params IEnumerable<string[]> events) =>
        string.Concat(events.Select(lines => string.Join(newline, lines) + newline + newline));

    // ---- Anthropic Messages streaming (event: + data: pairs) ----------------------------------------------

    public static readonly string[] AnthropicMessageStart =
    [
        "event: message_start",
        """data: {"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":1024,"cache_read_input_tokens":20480,"output_tokens":2}}}""",
    ];

    public static readonly string[] AnthropicMessageDelta =
    [
        "event: message_delta",
        """data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":312}}""",
    ];

    /// <summary>A full streamed answer: input 472, cache write 1024, cache read 20480, output 312.
    /// One text delta mentions the word "usage" to tempt the line filter.</summary>
    public static string AnthropicStream(string newline = "\n", int extraDeltas = 0) => Sse(newline,
        [
            AnthropicMessageStart,
            ["event: content_block_start", """data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""],
            ["event: ping", """data: {"type": "ping"}"""],
            .. Enumerable.Range(0, extraDeltas).Select(i => (string[])
                ["event: content_block_delta", $$$"""data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Line {{{i}}} of a long answer: the quick brown fox jumps over the lazy dog, again and again. "}}"""]),
            ["event: content_block_delta", """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello! Typical usage of "}}"""],
            ["event: content_block_delta", """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"this API is \"usage\": {…} – héllo 😀"}}"""],
            ["event: content_block_stop", """data: {"type":"content_block_stop","index":0}"""],
            AnthropicMessageDelta,
            ["event: message_stop", """data: {"type":"message_stop"}"""],
        ]);

    public const string AnthropicMessageJson =
        """{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Hello!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":2095,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"cache_creation":{"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":0},"output_tokens":503,"service_tier":"standard"}}""";

    // ---- OpenAI Chat Completions streaming (data: only, ends with [DONE]) --------------------------------

    private const string OpenAIChunkHead =
        """{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_fc9f1d7035""" + "\"";

    /// <summary>The usage-only chunk OpenAI sends last when <c>stream_options.include_usage</c> is set:
    /// input 1117 of which 1024 cached, output 46 of which 12 reasoning.</summary>
    public const string OpenAIUsageEvent =
        "data: " + OpenAIChunkHead + ""","choices":[],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":12,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}""" + "\n\n";

    /// <summary>A streamed answer; every content chunk carries <c>"usage":null</c> as OpenAI sends it when usage was asked for.</summary>
    public static string OpenAIStream(bool withUsageChunk = true, int extraDeltas = 0) =>
        Sse("\n",
        [
            ["data: " + OpenAIChunkHead + ""","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}"""],
            .. Enumerable.Range(0, extraDeltas).Select(i => (string[])
                ["data: " + OpenAIChunkHead + $$""","choices":[{"index":0,"delta":{"content":"Line {{i}}: the quick brown fox jumps over the lazy dog. "},"logprobs":null,"finish_reason":null}],"usage":null}"""]),
            ["data: " + OpenAIChunkHead + ""","choices":[{"index":0,"delta":{"content":"Token usage"},"logprobs":null,"finish_reason":null}],"usage":null}"""],
            ["data: " + OpenAIChunkHead + ""","choices":[{"index":0,"delta":{"content":" is reported last. ✓"},"logprobs":null,"finish_reason":null}],"usage":null}"""],
            ["data: " + OpenAIChunkHead + ""","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}"""],
        ])
        + (withUsageChunk ? OpenAIUsageEvent : "")
        + "data: [DONE]\n\n";

    public const string OpenAIChatCompletionJson =
        """{"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a wooden boardwalk.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_fc9f1d7035"}""";

    // ---- Gemini GenerateContentResponse ------------------------------------------------------------------

    public const string GeminiFirstChunk =
        """{"candidates": [{"content": {"parts": [{"text": "Hello"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 4096,"candidatesTokenCount": 1,"totalTokenCount": 4097,"cachedContentTokenCount": 2048,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4096}]},"modelVersion": "gemini-2.5-flash","responseId": "mHS5aN2cBKq7xN8P2pPo4Ac"}""";

    /// <summary>Final cumulative report: prompt 4096 (2048 cached), candidates 120, thoughts 284.</summary>
    public const string GeminiLastChunk =
        """{"candidates": [{"content": {"parts": [{"text": " world, with \"usageMetadata\" in the text"}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 4096,"candidatesTokenCount": 120,"totalTokenCount": 4500,"cachedContentTokenCount": 2048,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 4096}],"cacheTokensDetails": [{"modality": "TEXT","tokenCount": 2048}],"thoughtsTokenCount": 284},"modelVersion": "gemini-2.5-flash","responseId": "mHS5aN2cBKq7xN8P2pPo4Ac"}""";

    /// <summary><c>streamGenerateContent?alt=sse</c>: Google delimits events with CRLF.</summary>
    public static string GeminiSseStream() => Sse("\r\n", ["data: " + GeminiFirstChunk], ["data: " + GeminiLastChunk]);

    /// <summary><c>streamGenerateContent</c> without alt=sse: one JSON array of responses.</summary>
    public static string GeminiJsonArray() => "[" + GeminiFirstChunk + ",\r\n" + GeminiLastChunk + "]";
}
