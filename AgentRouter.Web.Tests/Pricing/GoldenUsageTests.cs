using AgentRouter.Web.Gateway;
using AgentRouter.Web.Pricing;
using Microsoft.AspNetCore.Http;
using static AgentRouter.Web.Tests.Unit.WireFixtures;

namespace AgentRouter.Web.Tests.Pricing;

/// <summary>Golden usage fixtures, one per billing dimension and dialect, streamed and not, in each provider's real wire
/// format. Each goes through the gateway's own stream parser (<see cref="UsageTap"/>) byte by byte and whole, is priced
/// with the provider's published sheet, and is checked to the micro-dollar against a calculation written out by hand.</summary>
public sealed class GoldenUsageTests
{
    // ---- The providers' published sheets (USD per million tokens), as in Pricing/price-list.json ------------------

    /// <summary>Claude Sonnet 4.5: $3 in, $15 out, 5-minute write $3.75, 1-hour write $6, cache read $0.30; above 200k
    /// prompt tokens $6 / $22.50 / $7.50 / $12 / $0.60; web search $10 per 1,000.</summary>
    public static readonly PriceSheet Sonnet45 = new(DateTimeOffset.MinValue, new TokenRates(3m, 15m, 3.75m, 6m, 0.30m),
        new LongContextTier(200_000, new TokenRates(6m, 22.50m, 7.50m, 12m, 0.60m)), WebSearchPer1K: 10m, CodeExecutionPerHour: 0.05m);

    /// <summary>GPT-5: $1.25 in, $0.125 cached in, $10 out (reasoning is billed as output and is inside it).</summary>
    public static readonly PriceSheet Gpt5 = new(DateTimeOffset.MinValue, new TokenRates(1.25m, 10m, 0m, 0m, 0.125m));

    /// <summary>Gemini 2.5 Pro: $1.25 in, $10 out (thinking included), cached $0.125; above 200k prompt tokens $2.50 / $15 / $0.25.</summary>
    public static readonly PriceSheet Gemini25Pro = new(DateTimeOffset.MinValue, new TokenRates(1.25m, 10m, 0m, 0m, 0.125m),
        new LongContextTier(200_000, new TokenRates(2.50m, 15m, 0m, 0m, 0.25m)));

    // ---- Fixtures ------------------------------------------------------------------------------------------------

    private const string AnthropicHead = """{"id":"msg_01GoldenFixture0000000001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"Done."}],"stop_reason":"end_turn","stop_sequence":null,"usage":""";

    /// <summary>21 input, 12,000 cache writes of which 10,000 with a one-hour lifetime, 393 output.</summary>
    public const string Anthropic1hJson = AnthropicHead + """{"input_tokens":21,"cache_creation_input_tokens":12000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":2000,"ephemeral_1h_input_tokens":10000},"output_tokens":393,"service_tier":"standard"}}""";

    public static string Anthropic1hStream() => AnthropicSse(
        """{"input_tokens":21,"cache_creation_input_tokens":12000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":2000,"ephemeral_1h_input_tokens":10000},"output_tokens":1,"service_tier":"standard"}""",
        """{"output_tokens":393}""");

    /// <summary>150,001 input + 50,000 cache reads = 200,001 prompt tokens: one over the 200k threshold; 1,000 output.</summary>
    public const string AnthropicLongJson = AnthropicHead + """{"input_tokens":150001,"cache_creation_input_tokens":0,"cache_read_input_tokens":50000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1000,"service_tier":"standard"}}""";

    public static string AnthropicLongStream() => AnthropicSse(
        """{"input_tokens":150001,"cache_creation_input_tokens":0,"cache_read_input_tokens":50000,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard"}""",
        """{"output_tokens":1000}""");

    /// <summary>3,200 input, 450 output, two web searches run by Anthropic's server tool.</summary>
    public const string AnthropicSearchJson = AnthropicHead + """{"input_tokens":3200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":450,"server_tool_use":{"web_search_requests":2},"service_tier":"standard"}}""";

    /// <summary>Streamed, the final message_delta repeats the cumulative usage with server_tool_use.</summary>
    public static string AnthropicSearchStream() => AnthropicSse(
        """{"input_tokens":3200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1,"service_tier":"standard"}""",
        """{"input_tokens":3200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":450,"server_tool_use":{"web_search_requests":2}}""");

    private const string OpenAIHead = """{"id":"chatcmpl-Golden0000000000000000001","object":"chat.completion.chunk","created":1764400000,"model":"gpt-5-2025-08-07","service_tier":"default","system_fingerprint":null""";

    /// <summary>12,000 prompt tokens of which 8,192 cached; 1,500 completion tokens of which 1,024 reasoning.</summary>
    private const string OpenAIUsage = """{"prompt_tokens":12000,"completion_tokens":1500,"total_tokens":13500,"prompt_tokens_details":{"cached_tokens":8192,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":1024,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}""";

    public const string OpenAICachedReasoningJson = """{"id":"chatcmpl-Golden0000000000000000001","object":"chat.completion","created":1764400000,"model":"gpt-5-2025-08-07","choices":[{"index":0,"message":{"role":"assistant","content":"42","refusal":null,"annotations":[]},"finish_reason":"stop"}],"usage":""" + OpenAIUsage + ""","service_tier":"default"}""";

    public static string OpenAICachedReasoningStream() => Sse("\n",
        ["data: " + OpenAIHead + ""","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}],"usage":null}"""],
        ["data: " + OpenAIHead + ""","choices":[{"index":0,"delta":{"content":"42"},"finish_reason":null}],"usage":null}"""],
        ["data: " + OpenAIHead + ""","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}"""],
        ["data: " + OpenAIHead + ""","choices":[],"usage":""" + OpenAIUsage + "}"],
        ["data: [DONE]"]);

    /// <summary>10,000 prompt tokens of which 6,000 from cached content; 800 candidate tokens and 1,200 thinking tokens.</summary>
    public const string GeminiThinkingCachedJson = """{"candidates":[{"content":{"parts":[{"text":"Done."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":10000,"candidatesTokenCount":800,"totalTokenCount":12000,"cachedContentTokenCount":6000,"promptTokensDetails":[{"modality":"TEXT","tokenCount":10000}],"cacheTokensDetails":[{"modality":"TEXT","tokenCount":6000}],"thoughtsTokenCount":1200},"modelVersion":"gemini-2.5-pro","responseId":"golden-gemini-1"}""";

    public static string GeminiThinkingCachedStream() => Sse("\r\n",
        ["""data: {"candidates":[{"content":{"parts":[{"text":"Do"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":10000,"candidatesTokenCount":1,"totalTokenCount":11201,"cachedContentTokenCount":6000,"thoughtsTokenCount":1200},"modelVersion":"gemini-2.5-pro","responseId":"golden-gemini-1"}"""],
        ["data: " + GeminiThinkingCachedJson]);

    /// <summary>200,001 prompt tokens (one over Gemini 2.5 Pro's 200k tier), 500 candidate tokens.</summary>
    public const string GeminiLongJson = """{"candidates":[{"content":{"parts":[{"text":"Summary."}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":200001,"candidatesTokenCount":500,"totalTokenCount":200501},"modelVersion":"gemini-2.5-pro","responseId":"golden-gemini-2"}""";

    public static string GeminiLongStream() => Sse("\r\n",
        ["""data: {"candidates":[{"content":{"parts":[{"text":"Sum"}],"role":"model"},"index":0}],"usageMetadata":{"promptTokenCount":200001,"candidatesTokenCount":2,"totalTokenCount":200003},"modelVersion":"gemini-2.5-pro","responseId":"golden-gemini-2"}"""],
        ["data: " + GeminiLongJson]);

    private static string AnthropicSse(string startUsage, string deltaUsage) => Sse("\n",
        ["event: message_start", """data: {"type":"message_start","message":{"id":"msg_01GoldenFixture0000000001","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":""" + startUsage + "}}"],
        ["event: content_block_start", """data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""],
        ["event: content_block_delta", """data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Done."}}"""],
        ["event: content_block_stop", """data: {"type":"content_block_stop","index":0}"""],
        ["event: message_delta", """data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":""" + deltaUsage + "}"],
        ["event: message_stop", """data: {"type":"message_stop"}"""]);

    // ---- Helpers -------------------------------------------------------------------------------------------------

    /// <summary>Feeds the wire text through a fresh tap in pieces of <paramref name="chunk"/> bytes and returns what it read.</summary>
    private static async Task<TokenUsage> ParseAsync(string wire, ApiDialect dialect, bool streamed, int chunk)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentType = streamed ? "text/event-stream" : "application/json";
        var client = new MemoryStream();
        var tap = new UsageTap(client, context.Response, dialect, withholdUsageChunk: false);
        foreach (var piece in Chunks(Utf8(wire), chunk))
            await tap.WriteAsync(piece, TestContext.Current.CancellationToken);
        await tap.CompleteAsync(TestContext.Current.CancellationToken);
        Assert.Equal(wire, Text(client.ToArray()));
        return tap.Usage;
    }

    public static TheoryData<bool, int> Shapes => new() { { false, int.MaxValue }, { true, int.MaxValue }, { true, 1 }, { true, 13 } };

    private static string Wire(bool streamed, string json, Func<string> stream) => streamed ? stream() : json;

    // ---- Anthropic -----------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Shapes))]
    public async Task Anthropic_OneHourCacheWrite_IsBilledAtTheOneHourRate(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, Anthropic1hJson, Anthropic1hStream), ApiDialect.Anthropic, streamed, chunk);
        var charge = Sonnet45.Cost(usage);

        Assert.Equal((21L, 393L, 12_000L, 10_000L, 0L), (usage.Input, usage.Output, usage.CacheWrite, usage.CacheWrite1h, usage.CacheRead));
        //    21 input       × $3    / 1M = 0.000063
        // +  393 output     × $15   / 1M = 0.005895
        // + 2,000 5-min wr  × $3.75 / 1M = 0.0075
        // + 10,000 1-h wr   × $6    / 1M = 0.06
        // =                                0.073458
        Assert.Equal(0.073458m, charge.Usd);
        Assert.False(charge.LongContext);
    }

    [Theory, MemberData(nameof(Shapes))]
    public async Task Anthropic_PromptJustOverTheThreshold_BillsEveryTokenAtTheLongContextRates(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, AnthropicLongJson, AnthropicLongStream), ApiDialect.Anthropic, streamed, chunk);
        var charge = Sonnet45.Cost(usage);

        Assert.Equal(200_001L, PriceSheet.PromptTokens(usage));
        //   150,001 input  × $6     / 1M = 0.900006
        // +  50,000 read   × $0.60  / 1M = 0.03
        // +   1,000 output × $22.50 / 1M = 0.0225
        // =                                0.952506
        Assert.Equal(0.952506m, charge.Usd);
        Assert.True(charge.LongContext);
    }

    [Fact]
    public void Anthropic_PromptExactlyAtTheThreshold_StaysAtTheBaseRates()
    {
        var usage = new TokenUsage { Input = 150_000, CacheRead = 50_000, Output = 1_000 };
        var charge = Sonnet45.Cost(usage);

        // 150,000 × $3 + 50,000 × $0.30 + 1,000 × $15, per million = 0.45 + 0.015 + 0.015
        Assert.Equal(0.48m, charge.Usd);
        Assert.False(charge.LongContext);
    }

    [Theory, MemberData(nameof(Shapes))]
    public async Task Anthropic_TwoWebSearches_AreBilledPerThousand(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, AnthropicSearchJson, AnthropicSearchStream), ApiDialect.Anthropic, streamed, chunk);
        var charge = Sonnet45.Cost(usage);

        Assert.Equal((3200L, 450L, 2L), (usage.Input, usage.Output, usage.WebSearches));
        //   3,200 input  × $3  / 1M    = 0.0096
        // +   450 output × $15 / 1M    = 0.00675
        // +     2 searches × $10 / 1,000 = 0.02
        // =                              0.03635
        Assert.Equal(0.03635m, charge.Usd);
    }

    // ---- OpenAI --------------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Shapes))]
    public async Task OpenAI_CachedInputWithReasoning_BillsCachedAtItsPrice_AndReasoningOnceAsOutput(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, OpenAICachedReasoningJson, OpenAICachedReasoningStream), ApiDialect.OpenAI, streamed, chunk);
        var charge = Gpt5.Cost(usage);

        Assert.Equal((3808L, 8192L, 1500L, 1024L), (usage.Input, usage.CacheRead, usage.Output, usage.Reasoning));
        //   3,808 uncached input (12,000 − 8,192) × $1.25  / 1M = 0.00476
        // + 8,192 cached input                    × $0.125 / 1M = 0.001024
        // + 1,500 output (1,024 reasoning inside) × $10    / 1M = 0.015
        // =                                                       0.020784
        Assert.Equal(0.020784m, charge.Usd);
    }

    // ---- Gemini --------------------------------------------------------------------------------------------------

    [Theory, MemberData(nameof(Shapes))]
    public async Task Gemini_ThinkingWithCachedContent_BillsThinkingAsOutput_AndCachedAtItsPrice(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, GeminiThinkingCachedJson, GeminiThinkingCachedStream), ApiDialect.Gemini, streamed, chunk);
        var charge = Gemini25Pro.Cost(usage);

        Assert.Equal((4000L, 6000L, 2000L, 1200L), (usage.Input, usage.CacheRead, usage.Output, usage.Reasoning));
        //   4,000 uncached prompt (10,000 − 6,000)  × $1.25  / 1M = 0.005
        // + 6,000 cached content                    × $0.125 / 1M = 0.00075
        // + 2,000 output (800 candidates + 1,200 thinking) × $10 / 1M = 0.02
        // =                                                         0.02575
        Assert.Equal(0.02575m, charge.Usd);
        Assert.False(charge.LongContext);
    }

    [Theory, MemberData(nameof(Shapes))]
    public async Task Gemini_PromptJustOverTheThreshold_BillsTheLongContextTier(bool streamed, int chunk)
    {
        var usage = await ParseAsync(Wire(streamed, GeminiLongJson, GeminiLongStream), ApiDialect.Gemini, streamed, chunk);
        var charge = Gemini25Pro.Cost(usage);

        //   200,001 prompt × $2.50 / 1M = 0.5000025
        // +     500 output × $15   / 1M = 0.0075
        // =                               0.5075025
        Assert.Equal(0.5075025m, charge.Usd);
        Assert.True(charge.LongContext);
    }

    // ---- The shipped price list carries these same sheets --------------------------------------------------------

    [Fact]
    public void ShippedPriceList_HasTheSheetsTheFixturesArePricedWith()
    {
        var list = PriceList.LoadBuiltIn();

        var sonnet = list.Find("claude-sonnet-4-5-20250929")!;
        Assert.Equal((3m, 15m, 3.75m, 6m, 0.30m, 10m), (sonnet.Input, sonnet.Output, sonnet.CacheWrite5m, sonnet.CacheWrite1h, sonnet.CacheRead, sonnet.WebSearchPer1K));
        Assert.Equal((200_000L, 6m, 22.50m, 7.50m, 12m, 0.60m),
            (sonnet.LongContext!.ThresholdTokens, sonnet.LongContext.Input, sonnet.LongContext.Output, sonnet.LongContext.CacheWrite5m, sonnet.LongContext.CacheWrite1h, sonnet.LongContext.CacheRead));
        var gpt5 = list.Find("gpt-5")!;
        Assert.Equal((1.25m, 10m, 0.125m), (gpt5.Input, gpt5.Output, gpt5.CacheRead));
        var pro = list.Find("gemini-2.5-pro")!;
        Assert.Equal((1.25m, 10m, 0.125m, 200_000L, 2.50m, 15m, 0.25m),
            (pro.Input, pro.Output, pro.CacheRead, pro.LongContext!.ThresholdTokens, pro.LongContext.Input, pro.LongContext.Output, pro.LongContext.CacheRead));
    }
}
