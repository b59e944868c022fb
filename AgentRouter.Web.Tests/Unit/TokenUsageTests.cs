using System.Text.Json;
using AgentRouter.Web.Gateway;
using static AgentRouter.Web.Tests.Unit.WireFixtures;

namespace AgentRouter.Web.Tests.Unit;

public sealed class TokenUsageTests
{
    /// <summary>Applies each JSON document in turn; returns the last Apply result.</summary>
    private static bool Apply(ref TokenUsage usage, ApiDialect dialect, params string[] documents)
    {
        var result = false;
        foreach (var json in documents)
        {
            using var document = JsonDocument.Parse(json);
            result = usage.Apply(dialect, document.RootElement);
        }
        return result;
    }

    private static string Data(string[] sseEvent) => sseEvent[1]["data: ".Length..];

    // ---- Anthropic ---------------------------------------------------------------------------------------

    [Fact]
    public void Apply_AnthropicMessage_TakesInputOutputAndBothCacheCounts()
    {
        var usage = new TokenUsage();

        var withheld = Apply(ref usage, ApiDialect.Anthropic, AnthropicMessageJson);

        Assert.False(withheld);
        Assert.True(usage.Reported);
        Assert.Equal(2095, usage.Input);
        Assert.Equal(503, usage.Output);
        Assert.Equal(300, usage.CacheWrite);
        Assert.Equal(4000, usage.CacheRead);
        Assert.Equal(0, usage.Reasoning);
        Assert.Equal(2095 + 503 + 300 + 4000, usage.Total);
    }

    [Fact]
    public void Apply_AnthropicMessageStart_ReadsUsageNestedInMessage()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Anthropic, Data(AnthropicMessageStart));

        Assert.True(usage.Reported);
        Assert.Equal(472, usage.Input);
        Assert.Equal(2, usage.Output);
        Assert.Equal(1024, usage.CacheWrite);
        Assert.Equal(20480, usage.CacheRead);
    }

    [Fact]
    public void Apply_AnthropicMessageDelta_OverridesOutputAndKeepsEarlierFields()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Anthropic, Data(AnthropicMessageStart), Data(AnthropicMessageDelta));

        Assert.Equal(472, usage.Input);
        Assert.Equal(312, usage.Output);
        Assert.Equal(1024, usage.CacheWrite);
        Assert.Equal(20480, usage.CacheRead);
    }

    [Fact]
    public void Apply_AnthropicMessageDeltaWithCumulativeInputFields_ReplacesThem()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Anthropic, Data(AnthropicMessageStart),
            """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":480,"cache_creation_input_tokens":0,"cache_read_input_tokens":21504,"output_tokens":89}}""");

        Assert.Equal(480, usage.Input);
        Assert.Equal(89, usage.Output);
        Assert.Equal(0, usage.CacheWrite);
        Assert.Equal(21504, usage.CacheRead);
    }

    [Theory]
    [InlineData("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"usage"}}""")]
    [InlineData("""{"type":"message_stop"}""")]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")]
    [InlineData("""{"type":"message_start","message":"not an object"}""")]
    [InlineData("""{"usage":null}""")]
    [InlineData("""[{"usage":{"input_tokens":5}}]""")]
    public void Apply_AnthropicEventWithoutUsage_ChangesNothing(string json)
    {
        var usage = new TokenUsage();

        var withheld = Apply(ref usage, ApiDialect.Anthropic, json);

        Assert.False(withheld);
        Assert.False(usage.Reported);
        Assert.Equal(0, usage.Total);
    }

    [Fact]
    public void Apply_AnthropicNullCounts_AreIgnoredWithoutThrowing()
    {
        var usage = new TokenUsage();
        Apply(ref usage, ApiDialect.Anthropic, Data(AnthropicMessageStart));

        var exception = Record.Exception(() => Apply(ref usage, ApiDialect.Anthropic,
            """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":null,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":312,"server_tool_use":null}}"""));

        Assert.Null(exception);
        Assert.Equal(472, usage.Input);
        Assert.Equal(312, usage.Output);
        Assert.Equal(1024, usage.CacheWrite);
        Assert.Equal(20480, usage.CacheRead);
    }

    // ---- OpenAI ------------------------------------------------------------------------------------------

    [Fact]
    public void Apply_OpenAIUsageChunk_SplitsCachedFromInputAndAsksToWithhold()
    {
        var usage = new TokenUsage();

        var withheld = Apply(ref usage, ApiDialect.OpenAI, OpenAIUsageEvent["data: ".Length..].Trim());

        Assert.True(withheld);
        Assert.True(usage.Reported);
        Assert.Equal(1117 - 1024, usage.Input);
        Assert.Equal(1024, usage.CacheRead);
        Assert.Equal(46, usage.Output);
        Assert.Equal(12, usage.Reasoning);
        Assert.Equal(0, usage.CacheWrite);
        Assert.Equal(1163, usage.Total);
    }

    [Fact]
    public void Apply_OpenAIChatCompletion_TakesUsageButIsNotAUsageChunk()
    {
        var usage = new TokenUsage();

        var withheld = Apply(ref usage, ApiDialect.OpenAI, OpenAIChatCompletionJson);

        Assert.False(withheld);
        Assert.Equal(93, usage.Input);
        Assert.Equal(1024, usage.CacheRead);
        Assert.Equal(46, usage.Output);
    }

    [Fact]
    public void Apply_OpenAIContentChunkWithNullUsage_IsNeitherUsageNorWithheld()
    {
        var usage = new TokenUsage();
        var chunk = OpenAIStream().Split("\n\n")[1]["data: ".Length..];

        var withheld = Apply(ref usage, ApiDialect.OpenAI, chunk);

        Assert.Contains("\"usage\":null", chunk);
        Assert.False(withheld);
        Assert.False(usage.Reported);
    }

    [Fact]
    public void Apply_OpenAIUsageWithoutDetails_CountsNoCacheOrReasoning()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.OpenAI, """{"choices":[],"usage":{"prompt_tokens":50,"completion_tokens":7,"total_tokens":57}}""");

        Assert.Equal(50, usage.Input);
        Assert.Equal(0, usage.CacheRead);
        Assert.Equal(7, usage.Output);
        Assert.Equal(0, usage.Reasoning);
    }

    [Theory]
    [InlineData("""{"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    [InlineData("""{"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}""")]
    public void Apply_OpenAIUsageWithChoicesMissingOrNonEmpty_IsNotWithheld(string json)
    {
        var usage = new TokenUsage();

        Assert.False(Apply(ref usage, ApiDialect.OpenAI, json));
        Assert.True(usage.Reported);
    }

    [Fact]
    public void Apply_OpenAIEmptyChoicesWithoutUsage_IsNotWithheld()
    {
        var usage = new TokenUsage();

        Assert.False(Apply(ref usage, ApiDialect.OpenAI, """{"object":"chat.completion.chunk","choices":[]}"""));
        Assert.False(usage.Reported);
    }

    // ---- Gemini ------------------------------------------------------------------------------------------

    [Fact]
    public void Apply_GeminiUsageMetadata_SplitsCachedInputAndBillsThoughtsAsOutput()
    {
        var usage = new TokenUsage();

        var withheld = Apply(ref usage, ApiDialect.Gemini, GeminiLastChunk);

        Assert.False(withheld);
        Assert.True(usage.Reported);
        Assert.Equal(4096 - 2048, usage.Input);
        Assert.Equal(2048, usage.CacheRead);
        Assert.Equal(120 + 284, usage.Output);
        Assert.Equal(284, usage.Reasoning);
        Assert.Equal(0, usage.CacheWrite);
    }

    [Fact]
    public void Apply_GeminiToolUsePromptTokens_AreAddedToInput()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Gemini,
            """{"candidates":[],"usageMetadata":{"promptTokenCount":1000,"cachedContentTokenCount":200,"toolUsePromptTokenCount":350,"candidatesTokenCount":40,"totalTokenCount":1390}}""");

        Assert.Equal(1000 - 200 + 350, usage.Input);
        Assert.Equal(200, usage.CacheRead);
        Assert.Equal(40, usage.Output);
    }

    [Fact]
    public void Apply_GeminiLaterChunk_ReplacesEarlierCumulativeReport()
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Gemini, GeminiFirstChunk, GeminiLastChunk);

        Assert.Equal(2048, usage.Input);
        Assert.Equal(404, usage.Output);
    }

    [Fact]
    public void Apply_GeminiOmittedZeroCounts_ReadAsZero()
    {
        // proto3 JSON omits zero fields: a prompt-only report has no candidates or cache counts.
        var usage = new TokenUsage { Output = 99, CacheRead = 99, Reasoning = 99 };

        Apply(ref usage, ApiDialect.Gemini, """{"usageMetadata":{"promptTokenCount":12,"totalTokenCount":12}}""");

        Assert.Equal(12, usage.Input);
        Assert.Equal(0, usage.Output);
        Assert.Equal(0, usage.CacheRead);
        Assert.Equal(0, usage.Reasoning);
    }

    [Theory]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"usage"}]}}]}""")]
    [InlineData("""{"usage":{"input_tokens":5}}""")]
    [InlineData("""{"usageMetadata":[]}""")]
    public void Apply_GeminiWithoutUsageMetadataObject_ChangesNothing(string json)
    {
        var usage = new TokenUsage();

        Apply(ref usage, ApiDialect.Gemini, json);

        Assert.False(usage.Reported);
    }

    [Fact]
    public void Apply_DialectDecidesTheFieldsRead()
    {
        var usage = new TokenUsage();

        // An OpenAI-shaped usage means nothing to the Anthropic reader beyond being reported.
        Apply(ref usage, ApiDialect.Anthropic, """{"usage":{"prompt_tokens":10,"completion_tokens":5}}""");

        Assert.Equal(0, usage.Input);
        Assert.Equal(0, usage.Output);
    }
}
