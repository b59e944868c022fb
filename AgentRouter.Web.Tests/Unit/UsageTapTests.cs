using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using AgentRouter.Web.Gateway;
using Microsoft.AspNetCore.Http;
using static AgentRouter.Web.Tests.Unit.WireFixtures;

namespace AgentRouter.Web.Tests.Unit;

public sealed class UsageTapTests
{
    private const string EventStream = "text/event-stream";
    private const string Json = "application/json";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (UsageTap Tap, MemoryStream Client) NewTap(string contentType, ApiDialect dialect, bool withhold = false, string? contentEncoding = null)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentType = contentType;
        if (contentEncoding is not null)
            context.Response.Headers.ContentEncoding = contentEncoding;
        var client = new MemoryStream();
        return (new UsageTap(client, context.Response, dialect, withhold), client);
    }

    /// <summary>Writes <paramref name="input"/> through a new tap in pieces of <paramref name="chunkSize"/> bytes, then completes it.</summary>
    private static Task<(byte[] Output, Outcome Tap)> PumpAsync(byte[] input, int chunkSize, string contentType, ApiDialect dialect,
        bool withhold = false, string? contentEncoding = null) =>
        PumpAsync(Chunks(input, chunkSize), contentType, dialect, withhold, contentEncoding);

    /// <summary>Writes each of <paramref name="writes"/> through a new tap, then completes it.</summary>
    private static async Task<(byte[] Output, Outcome Tap)> PumpAsync(IEnumerable<ReadOnlyMemory<byte>> writes, string contentType, ApiDialect dialect,
        bool withhold = false, string? contentEncoding = null)
    {
        var (tap, client) = NewTap(contentType, dialect, withhold, contentEncoding);
        foreach (var chunk in writes)
            await tap.WriteAsync(chunk, Ct);
        await tap.CompleteAsync(Ct);
        return (client.ToArray(), new Outcome(tap.Usage, tap.IsEventStream, tap.FirstByteTimestamp, tap.Problem));
    }

    /// <summary>What a tap reported (a copy: the tap is a Stream, hence marshal-by-reference).</summary>
    private sealed record Outcome(TokenUsage Usage, bool IsEventStream, long FirstByteTimestamp, string? Problem);

    // ---- Server-sent events, passed through -------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task AnthropicStream_AnyChunking_PassesBytesThroughAndTotalsUsage(int chunkSize)
    {
        var input = Utf8(AnthropicStream());

        var (output, tap) = await PumpAsync(input, chunkSize, EventStream, ApiDialect.Anthropic);

        Assert.Equal(input, output);
        Assert.True(tap.IsEventStream);
        Assert.True(tap.Usage.Reported);
        Assert.Equal(472, tap.Usage.Input);
        Assert.Equal(312, tap.Usage.Output);
        Assert.Equal(1024, tap.Usage.CacheWrite);
        Assert.Equal(20480, tap.Usage.CacheRead);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task AnthropicStreamWithCrlf_AnyChunking_TotalsUsage(int chunkSize)
    {
        var input = Utf8(AnthropicStream("\r\n"));

        var (output, tap) = await PumpAsync(input, chunkSize, "text/event-stream; charset=utf-8", ApiDialect.Anthropic);

        Assert.Equal(input, output);
        Assert.Equal(472, tap.Usage.Input);
        Assert.Equal(312, tap.Usage.Output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task OpenAIStream_ClientAskedForUsage_PassesEverythingThroughAndTotalsUsage(int chunkSize)
    {
        var input = Utf8(OpenAIStream());

        var (output, tap) = await PumpAsync(input, chunkSize, EventStream, ApiDialect.OpenAI, withhold: false);

        Assert.Equal(input, output);
        Assert.Equal(93, tap.Usage.Input);
        Assert.Equal(1024, tap.Usage.CacheRead);
        Assert.Equal(46, tap.Usage.Output);
        Assert.Equal(12, tap.Usage.Reasoning);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task GeminiSseWithCrlf_AnyChunking_PassesBytesThroughAndTotalsUsage(int chunkSize)
    {
        var input = Utf8(GeminiSseStream());
        Assert.Contains("\r\n\r\n", GeminiSseStream());

        var (output, tap) = await PumpAsync(input, chunkSize, EventStream, ApiDialect.Gemini);

        Assert.Equal(input, output);
        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(2048, tap.Usage.CacheRead);
        Assert.Equal(404, tap.Usage.Output);
        Assert.Equal(284, tap.Usage.Reasoning);
    }

    [Theory]
    [InlineData("""data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}""", false)]
    [InlineData("""data: {"choices":[],"usage":{"prompt_tokens":1}}""", true)]
    [InlineData("""data: {"usage":null,"x":{"usage":{"prompt_tokens":1}}}""", true)]
    [InlineData("""data: {"choices":[{"delta":{"content":"a \"usage\":null b"}}],"usage":null}""", true)]
    [InlineData("""data: {"usageMetadata":{"promptTokenCount":3}}""", true)]
    [InlineData("""data: {"usage": null}""", true)]
    [InlineData("""data: {"type":"ping"}""", false)]
    public void MayCarryUsage_SkipsOnlyLinesWhoseEveryMentionIsUsageNull(string line, bool expected) =>
        Assert.Equal(expected, UsageTap.MayCarryUsage(Utf8(line)));

    [Fact]
    public async Task EventStream_SyncWrites_BehaveLikeAsyncOnes()
    {
        var input = Utf8(AnthropicStream());
        var (tap, client) = NewTap(EventStream, ApiDialect.Anthropic);

        for (var at = 0; at < input.Length; at += 13)
            tap.Write(input, at, Math.Min(13, input.Length - at));
        await tap.CompleteAsync(Ct);

        var usage = tap.Usage;
        Assert.Equal(input, client.ToArray());
        Assert.Equal(312, usage.Output);
    }

    [Fact]
    public async Task EventStream_StreamWithoutUsage_IsNotReported()
    {
        var input = Utf8(OpenAIStream(withUsageChunk: false));

        var (output, tap) = await PumpAsync(input, 64, EventStream, ApiDialect.OpenAI);

        Assert.Equal(input, output);
        Assert.False(tap.Usage.Reported);
    }

    // ---- Withholding the OpenAI usage chunk --------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task OpenAIStream_Withholding_DropsExactlyTheUsageEventAndStillCountsIt(int chunkSize)
    {
        var stream = OpenAIStream();
        var expected = Utf8(stream.Replace(OpenAIUsageEvent, ""));
        Assert.NotEqual(stream.Length, expected.Length);

        var (output, tap) = await PumpAsync(Utf8(stream), chunkSize, EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(Text(expected), Text(output));
        Assert.Equal(93, tap.Usage.Input);
        Assert.Equal(1024, tap.Usage.CacheRead);
        Assert.Equal(46, tap.Usage.Output);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public async Task OpenAIStream_WithholdingButNoUsageChunk_PassesEverythingThrough(int chunkSize)
    {
        var input = Utf8(OpenAIStream(withUsageChunk: false));

        var (output, tap) = await PumpAsync(input, chunkSize, EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(input, output);
        Assert.False(tap.Usage.Reported);
    }

    [Fact]
    public async Task OpenAIStream_WithholdingAndCutMidEvent_ReleasesThePartialEventAtCompletion()
    {
        var full = OpenAIStream(withUsageChunk: false);
        var input = Utf8(full[..(full.IndexOf("is reported", StringComparison.Ordinal))]);

        var (output, _) = await PumpAsync(input, 7, EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(input, output);
    }

    [Fact]
    public async Task OpenAIStream_WithholdingAndCutInsideTheUsageEvent_NeverReleasesIt()
    {
        // The usage chunk arrived whole but its closing blank line did not.
        var cut = OpenAIStream().IndexOf(OpenAIUsageEvent, StringComparison.Ordinal) + OpenAIUsageEvent.Length - 1;
        var input = Utf8(OpenAIStream()[..cut]);

        var (output, tap) = await PumpAsync(input, 64, EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(OpenAIStream()[..cut].Replace(OpenAIUsageEvent[..^1], ""), Text(output));
        Assert.Equal(46, tap.Usage.Output);
    }

    [Fact]
    public async Task OpenAIStream_Withholding_ReleasesEachEventOnlyOnceItIsComplete()
    {
        var (tap, client) = NewTap(EventStream, ApiDialect.OpenAI, withhold: true);
        var firstEvent = OpenAIStream().Split("\n\n")[0] + "\n\n";

        await tap.WriteAsync(Utf8(firstEvent[..^2]), Ct);
        Assert.Equal(0, client.Length);
        Assert.Equal(0, tap.FirstByteTimestamp);

        await tap.WriteAsync(Utf8("\n\n"), Ct);
        Assert.Equal(firstEvent, Text(client.ToArray()));
        Assert.NotEqual(0, tap.FirstByteTimestamp);
    }

    [Fact]
    public async Task OpenAIStream_WithholdingCrlfDelimitedEvents_ReleasesEachEventWhenItEnds()
    {
        var stream = OpenAIStream().Replace("\n", "\r\n");
        var events = stream.Split("\r\n\r\n");
        var (tap, client) = NewTap(EventStream, ApiDialect.OpenAI, withhold: true);

        var firstWrite = events[0].Length + "\r\n\r\n".Length + 10; // the first event and a little of the second
        await tap.WriteAsync(Utf8(stream[..firstWrite]), Ct);
        var afterFirstEvent = Text(client.ToArray());
        await tap.WriteAsync(Utf8(stream[firstWrite..]), Ct);
        await tap.CompleteAsync(Ct);

        Assert.Equal(events[0] + "\r\n\r\n", afterFirstEvent);
        var usage = tap.Usage;
        Assert.Equal(stream.Replace(OpenAIUsageEvent.Replace("\n", "\r\n"), ""), Text(client.ToArray()));
        Assert.Equal(46, usage.Output);
    }

    [Fact]
    public async Task AnthropicStream_WithholdFlag_DoesNotDropAnthropicUsageEvents()
    {
        var input = Utf8(AnthropicStream());

        var (output, tap) = await PumpAsync(input, 64, EventStream, ApiDialect.Anthropic, withhold: true);

        Assert.Equal(input, output);
        Assert.Equal(312, tap.Usage.Output);
    }

    // ---- Writes that outgrow the held buffer -------------------------------------------------------------
    // The tap holds a partial line/event (or the JSON answer) in a pooled buffer that starts at 4 KB; these
    // write sizes make it grow while it already holds bytes.

    /// <summary>Splits <paramref name="text"/> at <paramref name="at"/> into two writes.</summary>
    private static ReadOnlyMemory<byte>[] TwoWrites(string text, int at) => [Utf8(text[..at]), Utf8(text[at..])];

    [Fact]
    public async Task AnthropicStream_UsageLineSplitBeforeAWriteLargerThanTheBuffer_IsStillCounted()
    {
        var stream = AnthropicStream(extraDeltas: 60);
        var cut = stream.IndexOf("\"input_tokens\"", StringComparison.Ordinal);
        Assert.True(Encoding.UTF8.GetByteCount(stream[cut..]) > 8192);

        var (output, tap) = await PumpAsync(TwoWrites(stream, cut), EventStream, ApiDialect.Anthropic);

        Assert.Equal(stream, Text(output));
        Assert.Equal(472, tap.Usage.Input);
        Assert.Equal(1024, tap.Usage.CacheWrite);
        Assert.Equal(20480, tap.Usage.CacheRead);
        Assert.Equal(312, tap.Usage.Output);
    }

    [Fact]
    public async Task OpenAIStream_WithholdingAndAWriteLargerThanTheBuffer_ReleasesEveryOtherByte()
    {
        var stream = OpenAIStream(extraDeltas: 60);
        var cut = stream.IndexOf("\n\n", StringComparison.Ordinal) + 100; // inside the second event
        var expected = stream.Replace(OpenAIUsageEvent, "");

        var (output, tap) = await PumpAsync(TwoWrites(stream, cut), EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(expected, Text(output));
        Assert.Equal(46, tap.Usage.Output);
    }

    [Fact]
    public async Task OpenAIJson_UsageSplitBeforeAWriteThatGrowsTheBuffer_IsStillParsed()
    {
        // The first write (4000 bytes, ending inside the usage object) fits the initial 4 KB buffer; the second does not.
        const string content = "The image shows a wooden boardwalk.";
        var padding = 4000 - OpenAIChatCompletionJson.IndexOf("\"completion_tokens\"", StringComparison.Ordinal);
        var answer = OpenAIChatCompletionJson.Replace(content, content + new string('x', padding));
        var cut = answer.IndexOf("\"completion_tokens\"", StringComparison.Ordinal);
        Assert.Equal(4000, cut);

        var (output, tap) = await PumpAsync(TwoWrites(answer, cut), Json, ApiDialect.OpenAI);

        Assert.Equal(answer, Text(output));
        Assert.Equal(93, tap.Usage.Input);
        Assert.Equal(46, tap.Usage.Output);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(3000)]
    [InlineData(4096)]
    [InlineData(5000)]
    public async Task LongStreams_KilobyteWrites_AreExact(int chunkSize)
    {
        // 4096-byte writes fill the initial 4 KB buffer exactly, so every write after a partial event grows it.
        var anthropic = AnthropicStream(extraDeltas: 60);
        var openAI = OpenAIStream(extraDeltas: 60);

        var (anthropicOutput, anthropicTap) = await PumpAsync(Utf8(anthropic), chunkSize, EventStream, ApiDialect.Anthropic);
        var (openAIOutput, openAITap) = await PumpAsync(Utf8(openAI), chunkSize, EventStream, ApiDialect.OpenAI, withhold: true);

        Assert.Equal(anthropic, Text(anthropicOutput));
        Assert.Equal(472, anthropicTap.Usage.Input);
        Assert.Equal(312, anthropicTap.Usage.Output);
        Assert.Equal(openAI.Replace(OpenAIUsageEvent, ""), Text(openAIOutput));
        Assert.Equal(46, openAITap.Usage.Output);
    }

    [Fact]
    public async Task AnthropicStream_MessageDeltaWithNullCounts_StillPassesThrough()
    {
        var stream = AnthropicStream().Replace(
            ""","usage":{"output_tokens":312}}""",
            ""","usage":{"input_tokens":null,"cache_creation_input_tokens":null,"cache_read_input_tokens":null,"output_tokens":312}}""");

        var (output, tap) = await PumpAsync(Utf8(stream), 64, EventStream, ApiDialect.Anthropic);

        Assert.Equal(stream, Text(output));
        Assert.Equal(472, tap.Usage.Input);
        Assert.Equal(312, tap.Usage.Output);
    }

    // ---- First byte ---------------------------------------------------------------------------------------

    [Fact]
    public async Task FirstByteTimestamp_IsZeroUntilTheFirstWriteThenFixed()
    {
        var (tap, _) = NewTap(EventStream, ApiDialect.Anthropic);
        Assert.Equal(0, tap.FirstByteTimestamp);
        var before = Stopwatch.GetTimestamp();

        await tap.WriteAsync(Utf8("event: ping\n"), Ct);
        var first = tap.FirstByteTimestamp;
        await tap.WriteAsync(Utf8("data: {\"type\": \"ping\"}\n\n"), Ct);

        Assert.InRange(first, before, Stopwatch.GetTimestamp());
        Assert.Equal(first, tap.FirstByteTimestamp);
    }

    [Fact]
    public async Task FirstByteTimestamp_IsSetForJsonAnswers()
    {
        var (_, tap) = await PumpAsync(Utf8(AnthropicMessageJson), 100, Json, ApiDialect.Anthropic);

        Assert.NotEqual(0, tap.FirstByteTimestamp);
    }

    // ---- JSON answers -------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    [InlineData(int.MaxValue)]
    public async Task AnthropicJson_ParsedAtCompletion(int chunkSize)
    {
        var input = Utf8(AnthropicMessageJson);
        var (tap, client) = NewTap("application/json", ApiDialect.Anthropic);
        foreach (var chunk in Chunks(input, chunkSize))
            await tap.WriteAsync(chunk, Ct);
        var beforeCompletion = tap.Usage;

        await tap.CompleteAsync(Ct);

        var usage = tap.Usage;
        Assert.False(beforeCompletion.Reported);
        Assert.Equal(input, client.ToArray());
        Assert.False(tap.IsEventStream);
        Assert.Equal(2095, usage.Input);
        Assert.Equal(503, usage.Output);
        Assert.Equal(300, usage.CacheWrite);
        Assert.Equal(4000, usage.CacheRead);
    }

    [Fact]
    public async Task OpenAIJson_ParsedAtCompletion()
    {
        var input = Utf8(OpenAIChatCompletionJson);

        var (output, tap) = await PumpAsync(input, 7, "application/json; charset=utf-8", ApiDialect.OpenAI);

        Assert.Equal(input, output);
        Assert.Equal(93, tap.Usage.Input);
        Assert.Equal(1024, tap.Usage.CacheRead);
        Assert.Equal(46, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonObject_ParsedAtCompletion()
    {
        var (_, tap) = await PumpAsync(Utf8(GeminiLastChunk), 64, Json, ApiDialect.Gemini);

        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(404, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonArray_TakesTheLastElementsUsage()
    {
        var input = Utf8(GeminiJsonArray());

        var (output, tap) = await PumpAsync(input, 64, Json, ApiDialect.Gemini);

        Assert.Equal(input, output);
        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(2048, tap.Usage.CacheRead);
        Assert.Equal(404, tap.Usage.Output);
    }

    [Fact]
    public async Task OpenAIJson_CutAfterTheUsageObject_StillYieldsTheUsage()
    {
        var cut = OpenAIChatCompletionJson.IndexOf("\"system_fingerprint\":\"fp_", StringComparison.Ordinal) + 24;
        var input = Utf8(OpenAIChatCompletionJson[..cut]);

        var (output, tap) = await PumpAsync(input, 64, Json, ApiDialect.OpenAI);

        Assert.Equal(input, output);
        Assert.True(tap.Usage.Reported);
        Assert.Equal(93, tap.Usage.Input);
        Assert.Equal(1024, tap.Usage.CacheRead);
        Assert.Equal(46, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonArray_CutMidElementAfterItsUsage_TakesThatUsage()
    {
        var full = GeminiJsonArray();
        var input = Utf8(full[..full.IndexOf("\"modelVersion\"", full.IndexOf(GeminiLastChunk, StringComparison.Ordinal), StringComparison.Ordinal)]);

        var (_, tap) = await PumpAsync(input, 64, Json, ApiDialect.Gemini);

        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(404, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonArray_CutInsideTheLastUsage_FallsBackToTheEarlierComplete()
    {
        var full = GeminiJsonArray();
        var lastUsage = full.LastIndexOf("\"usageMetadata\"", StringComparison.Ordinal);
        var input = Utf8(full[..full.IndexOf("\"thoughtsTokenCount\"", lastUsage, StringComparison.Ordinal)]);

        var (_, tap) = await PumpAsync(input, 64, Json, ApiDialect.Gemini);

        // The first element: prompt 4096 (2048 cached), one candidate token.
        Assert.True(tap.Usage.Reported);
        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(1, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonArray_CutInsideAnElementsText_IgnoresTheUsageKeyNameInText()
    {
        // The last element's text mentions "usageMetadata" (escaped); the cut is inside that text.
        var full = GeminiJsonArray();
        var input = Utf8(full[..(full.IndexOf("in the text", StringComparison.Ordinal))]);

        var (_, tap) = await PumpAsync(input, 64, Json, ApiDialect.Gemini);

        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(1, tap.Usage.Output);
    }

    [Fact]
    public async Task GeminiJsonArray_CutAfterTheKeyNameUsedAsAValue_FallsBackToTheRealUsage()
    {
        // The cut element holds a function call whose argument value is the text "usageMetadata".
        var input = Utf8("[" + GeminiFirstChunk + ",\r\n"
            + """{"candidates": [{"content": {"parts": [{"functionCall": {"name": "describe_field","args": {"field": "usageMetadata","verbose": tr""");

        var (_, tap) = await PumpAsync(input, 64, Json, ApiDialect.Gemini);

        Assert.True(tap.Usage.Reported);
        Assert.Equal(2048, tap.Usage.Input);
        Assert.Equal(1, tap.Usage.Output);
    }

    [Fact]
    public async Task AnthropicJson_CutInsideItsOnlyUsage_ReportsNothing()
    {
        var input = Utf8(AnthropicMessageJson[..AnthropicMessageJson.IndexOf("\"output_tokens\"", StringComparison.Ordinal)]);

        var (output, tap) = await PumpAsync(input, 64, Json, ApiDialect.Anthropic);

        Assert.Equal(input, output);
        Assert.False(tap.Usage.Reported);
    }

    // ---- Not parsed ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(Json)]
    [InlineData(EventStream)]
    public async Task CompressedAnswer_IsPassedThroughUntouchedAndDecodedForTheTap(string contentType)
    {
        var plain = contentType == Json ? AnthropicMessageJson : AnthropicStream();
        var input = Gzip(Utf8(plain));

        var (output, tap) = await PumpAsync(input, 64, contentType, ApiDialect.Anthropic, withhold: true, contentEncoding: "gzip");

        Assert.Equal(input, output);
        Assert.True(tap.Usage.Reported);
        Assert.Equal(contentType == Json ? 2095 : 472, tap.Usage.Input);
        Assert.Null(tap.Problem);
        Assert.NotEqual(0, tap.FirstByteTimestamp);
    }

    [Theory]
    [InlineData("zstd")]
    [InlineData("gzip")]
    public async Task UndecodableAnswer_IsPassedThroughAndFlagged(string encoding)
    {
        // An encoding .NET cannot decode, and bytes that claim gzip but are not.
        var input = Utf8(AnthropicMessageJson);

        var (output, tap) = await PumpAsync(input, 64, Json, ApiDialect.Anthropic, contentEncoding: encoding);

        Assert.Equal(input, output);
        Assert.False(tap.Usage.Reported);
        Assert.Equal(UsageErrors.UsageUndecodable, tap.Problem);
    }

    // ---- Answers whose usage is not exact ----------------------------------------------------------------

    public static TheoryData<string, string, ApiDialect, string?> Problems() => new()
    {
        { "complete Anthropic stream", AnthropicStream(), ApiDialect.Anthropic, null },
        { "complete OpenAI stream", OpenAIStream(), ApiDialect.OpenAI, null },
        { "complete Gemini stream", GeminiSseStream(), ApiDialect.Gemini, null },
        { "Anthropic stream cut before message_stop", AnthropicStream()[..AnthropicStream().IndexOf("event: message_delta", StringComparison.Ordinal)], ApiDialect.Anthropic, UsageErrors.StreamTruncated },
        { "OpenAI stream cut before [DONE]", OpenAIStream()[..OpenAIStream().IndexOf("data: [DONE]", StringComparison.Ordinal)], ApiDialect.OpenAI, UsageErrors.StreamTruncated },
        { "Gemini stream cut before finishReason", Sse("\r\n", ["data: " + GeminiFirstChunk]), ApiDialect.Gemini, UsageErrors.StreamTruncated },
        { "Anthropic error event mid-stream", AnthropicStream().Replace("event: message_stop", "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\nevent: message_stop"), ApiDialect.Anthropic, UsageErrors.UpstreamStreamError },
        { "OpenAI error chunk mid-stream", OpenAIStream().Replace("data: [DONE]", "data: {\"error\":{\"message\":\"server error\",\"type\":\"server_error\"}}\n\ndata: [DONE]"), ApiDialect.OpenAI, UsageErrors.UpstreamStreamError },
        { "Gemini error chunk mid-stream", Sse("\r\n", ["data: " + GeminiFirstChunk], ["data: {\"error\":{\"code\":500,\"message\":\"Internal\",\"status\":\"INTERNAL\"}}"]), ApiDialect.Gemini, UsageErrors.UpstreamStreamError },
        { "OpenAI stream without a usage chunk", OpenAIStream(withUsageChunk: false), ApiDialect.OpenAI, UsageErrors.UsageMissing },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public async Task Stream_ProblemIsNamed(string what, string stream, ApiDialect dialect, string? problem)
    {
        var (_, tap) = await PumpAsync(Utf8(stream), 50, EventStream, dialect);

        Assert.True(tap.Problem == problem, $"{what}: expected {problem ?? "none"}, got {tap.Problem ?? "none"}");
    }

    [Theory]
    [InlineData("""{"id":"msg_1","type":"message","content":[]}""", "usage_missing")]
    [InlineData("""{"id":"msg_1","type":"message","usage":{"input_tokens":5,"output_tokens":""", "usage_unparseable")]
    [InlineData("""not json at all""", "usage_unparseable")]
    public async Task JsonAnswer_WithoutReadableUsage_IsNamed(string body, string problem)
    {
        var (_, tap) = await PumpAsync(Utf8(body), 64, Json, ApiDialect.Anthropic);

        Assert.Equal(problem, tap.Problem);
    }

    [Fact]
    public async Task NonJsonNonStreamAnswer_HasNoUsage()
    {
        var (_, tap) = await PumpAsync(Utf8("hello"), 64, "text/plain", ApiDialect.Anthropic);

        Assert.Equal(UsageErrors.UsageMissing, tap.Problem);
    }

    [Fact]
    public async Task OtherContentType_IsPassedThroughAndNotParsed()
    {
        var input = Utf8(AnthropicMessageJson);

        var (output, tap) = await PumpAsync(input, 64, "text/plain", ApiDialect.Anthropic);

        Assert.Equal(input, output);
        Assert.False(tap.Usage.Reported);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
            gzip.Write(data);
        return compressed.ToArray();
    }
}
