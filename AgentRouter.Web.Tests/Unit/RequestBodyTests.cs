using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using static AgentRouter.Web.Tests.Unit.WireFixtures;

namespace AgentRouter.Web.Tests.Unit;

public sealed class RequestBodyTests
{
    private const long Limit = 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A request whose body arrives in small reads, as from a socket.</summary>
    private static HttpRequest Request(byte[] bytes, bool chunked = false, int readSize = int.MaxValue)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new TrickleStream(bytes, readSize);
        context.Request.ContentLength = chunked ? null : bytes.Length;
        return context.Request;
    }

    private static async Task<RequestBody> ReadAsync(string json, bool chunked = false)
    {
        var (body, error) = await RequestBody.ReadAsync(Request(Utf8(json), chunked), Limit, Ct);
        Assert.Null(error);
        return Assert.IsType<RequestBody>(body);
    }

    private static async Task<RequestBody> InspectedAsync(string json)
    {
        var body = await ReadAsync(json);
        Assert.Null(body.Inspect(RequestSchema.OpenAIChat));
        return body;
    }

    // ---- Reading and limits ------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_BodyOneByteOverLimit_IsRefusedWith413(bool chunked)
    {
        var bytes = Utf8("{\"model\":\"x\",\"pad\":\"" + new string('a', 2000) + "\"}");
        var (body, error) = await RequestBody.ReadAsync(Request(bytes, chunked, readSize: 100), bytes.Length - 1, Ct);

        Assert.Null(body);
        Assert.NotNull(error);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error.Status);
        Assert.Equal(ErrorKind.TooLarge, error.Kind);
        Assert.Contains((bytes.Length - 1).ToString(), error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReadAsync_BodyExactlyAtLimit_IsAccepted(bool chunked)
    {
        var bytes = Utf8("{\"model\":\"x\",\"pad\":\"" + new string('a', 3000) + "\"}");
        var (body, error) = await RequestBody.ReadAsync(Request(bytes, chunked, readSize: 100), bytes.Length, Ct);

        Assert.Null(error);
        using var read = Assert.IsType<RequestBody>(body);
        Assert.Equal(bytes, read.Span.ToArray());
    }

    [Fact]
    public async Task ReadAsync_DeclaredContentLengthOverLimit_IsRefusedBeforeReading()
    {
        var context = new DefaultHttpContext();
        var stream = new TrickleStream(Utf8("{}"), int.MaxValue);
        context.Request.Body = stream;
        context.Request.ContentLength = 5000;

        var (body, error) = await RequestBody.ReadAsync(context.Request, 4096, Ct);

        Assert.Null(body);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error?.Status);
        Assert.Equal(0, stream.Reads);
    }

    [Fact]
    public async Task ReadAsync_ChunkedBodyOverLimit_StopsReadingOncePastTheLimit()
    {
        var stream = new TrickleStream(new byte[1_000_000], 1000);
        var context = new DefaultHttpContext();
        context.Request.Body = stream;

        var (body, error) = await RequestBody.ReadAsync(context.Request, 10_000, Ct);

        Assert.Null(body);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error?.Status);
        Assert.InRange(stream.Reads, 11, 12);
    }

    [Fact]
    public async Task ReadAsync_RaisesServerBodySizeLimitAboveTheGatewayLimit()
    {
        var context = new DefaultHttpContext();
        var feature = new MaxBodySizeFeature { MaxRequestBodySize = 30_000_000 };
        context.Features.Set<IHttpMaxRequestBodySizeFeature>(feature);
        context.Request.Body = new MemoryStream(Utf8("{}"));

        var (body, _) = await RequestBody.ReadAsync(context.Request, 64_000_000, Ct);
        body?.Dispose();

        Assert.Equal(64_000_001, feature.MaxRequestBodySize);
    }

    [Fact]
    public async Task ReadAsync_ServerRefusingAnOversizedChunkedBody_IsAnswered413NotAFailure()
    {
        // Kestrel throws from the read once a chunked body passes the server limit the gateway set.
        var context = new DefaultHttpContext();
        context.Request.Body = new ThrowingStream(new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));

        var (body, error) = await RequestBody.ReadAsync(context.Request, 1000, Ct);

        Assert.Null(body);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, error?.Status);
        Assert.Equal(ErrorKind.TooLarge, error?.Kind);
    }

    private sealed class ThrowingStream(Exception exception) : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromException<int>(exception);
    }

    [Fact]
    public async Task ReadAsync_EmptyBody_ReadsAndFailsInspectionWith400()
    {
        using var body = await ReadAsync("");

        Assert.Equal(0, body.Length);
        Assert.Equal(StatusCodes.Status400BadRequest, body.Inspect(RequestSchema.OpenAIChat)?.Status);
        Assert.Equal(StatusCodes.Status400BadRequest, body.Inspect(RequestSchema.Gemini)?.Status);
    }

    // ---- Inspect: the top-level facts --------------------------------------------------------------------

    [Fact]
    public async Task Inspect_AnthropicRequest_ExtractsModelStreamAndMaxTokens()
    {
        using var body = await InspectedAsync("""
            {"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"messages":[{"role":"user","content":"Hi"}]}
            """);

        Assert.Equal("claude-sonnet-4-5", body.Model);
        Assert.True(body.Stream);
        Assert.Equal(32000, body.OutputLimit);
        Assert.False(body.IncludeUsage);
    }

    [Fact]
    public async Task Inspect_OpenAIRequest_ExtractsMaxCompletionTokensAndIncludeUsage()
    {
        using var body = await InspectedAsync("""
            {"messages":[{"role":"user","content":"Hi"}],"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"max_completion_tokens":4096}
            """);

        Assert.Equal("gpt-4o", body.Model);
        Assert.True(body.Stream);
        Assert.Equal(4096, body.OutputLimit);
        Assert.True(body.IncludeUsage);
    }

    [Theory]
    [InlineData("""{"stream_options":{"include_usage":false}}""")]
    [InlineData("""{"stream_options":{}}""")]
    [InlineData("""{"stream_options":{"nested":{"include_usage":true}}}""")]
    [InlineData("""{"metadata":{"stream_options":{"include_usage":true}}}""")]
    public async Task Inspect_IncludeUsageNotTrueAtItsPlace_IsFalse(string json)
    {
        using var body = await InspectedAsync(json);

        Assert.False(body.IncludeUsage);
    }

    [Fact]
    public async Task Inspect_BodyWithoutTheFields_LeavesDefaults()
    {
        using var body = await InspectedAsync("""{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""");

        Assert.Null(body.Model);
        Assert.False(body.Stream);
        Assert.Null(body.OutputLimit);
        Assert.False(body.IncludeUsage);
    }

    [Fact]
    public async Task Inspect_NestedModelAndStreamKeys_AreNotTakenForTopLevelOnes()
    {
        using var body = await InspectedAsync("""
            {"metadata":{"model":"nested-meta","stream":true,"max_tokens":1},
             "tools":[{"name":"pick","input_schema":{"type":"object","properties":{"model":{"type":"string"},"stream":{"type":"boolean"}}}}],
             "messages":[{"role":"user","content":"{\"model\":\"in-text\"}"}],
             "model":"claude-haiku-4-5","stream":false}
            """);

        Assert.Equal("claude-haiku-4-5", body.Model);
        Assert.False(body.Stream);
        Assert.Null(body.OutputLimit);
    }

    [Fact]
    public async Task Inspect_EscapedModelString_IsDecoded()
    {
        using var body = await InspectedAsync("""{"model":"claude\u002Dsonnet\/4\u00e9"}""");

        Assert.Equal("claude-sonnet/4é", body.Model);
    }

    [Theory]
    [InlineData("""{"model":123}""")]
    [InlineData("""{"model":null}""")]
    [InlineData("""{"model":""}""")]
    [InlineData("""{"model":{"name":"gpt-4o"}}""")]
    public async Task Inspect_NonStringModel_IsRefused(string json)
    {
        using var body = await ReadAsync(json);

        var error = body.Inspect(RequestSchema.OpenAIChat);

        Assert.Equal(StatusCodes.Status400BadRequest, error?.Status);
        Assert.Contains("\"model\"", error!.Message);
    }

    [Fact]
    public async Task Inspect_NullMaxTokens_MeansNoLimit()
    {
        // OpenAI documents max_tokens / max_completion_tokens as "integer or null"; clients that serialise nulls send it.
        using var body = await InspectedAsync("""{"model":"gpt-4o","max_tokens":null}""");

        Assert.Null(body.OutputLimit);
    }

    // ---- Inspect / Validate: refusals --------------------------------------------------------------------

    [Theory]
    [InlineData("""{"model":"x",""")]
    [InlineData("""{"model":"x" "stream":true}""")]
    [InlineData("""{"model":"x",}""")]
    [InlineData("""{model:"x"}""")]
    [InlineData("""{"model":"x" /* comment */}""")]
    [InlineData("""[{"model":"x"}]""")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("""{"model":"x"} trailing""")]
    [InlineData("""{"model":"x"}{"model":"y"}""")]
    [InlineData("""{"model":"x"}]""")]
    public async Task InspectAndValidate_InvalidOrNonObjectJson_Answer400(string json)
    {
        using var body = await ReadAsync(json);

        var inspected = body.Inspect(RequestSchema.OpenAIChat);
        var validated = body.Inspect(RequestSchema.Gemini);

        Assert.Equal(StatusCodes.Status400BadRequest, inspected?.Status);
        Assert.Equal(ErrorKind.InvalidRequest, inspected?.Kind);
        Assert.Equal(StatusCodes.Status400BadRequest, validated?.Status);
        Assert.Equal(ErrorKind.InvalidRequest, validated?.Kind);
    }

    [Fact]
    public async Task InspectAndValidate_SurroundingWhitespace_IsAccepted()
    {
        using var body = await ReadAsync(" \r\n\t{\"model\":\"x\"} \r\n\t ");

        Assert.Null(body.Inspect(RequestSchema.OpenAIChat));
        Assert.Null(body.Inspect(RequestSchema.Gemini));
        Assert.Equal("x", body.Model);
    }

    // ---- Rewrite: the model ------------------------------------------------------------------------------

    [Fact]
    public async Task Rewrite_Model_KeepsEveryOtherByteIdentical()
    {
        const string before = "{\n  \"messages\" : [ {\"role\":\"user\", \"content\":\"naïve 😀 \\u00e9\\n\"} ],\n  \"model\" :   ";
        const string after = " ,\n  \"max_tokens\":1024   ,\"stream\":false\n}\n";
        using var body = await InspectedAsync(before + "\"claude-sonnet-4-5\"" + after);

        body.Rewrite("claude-sonnet-4-5-20250929", requestStreamUsage: false);

        Assert.Equal(before + "\"claude-sonnet-4-5-20250929\"" + after, body.ToString());
    }

    [Fact]
    public async Task Rewrite_Again_ForAFailoverTarget_ReplacesTheModelWrittenBefore()
    {
        // The usage flag is inserted before the model on the first rewrite; the second rewrite must still find the model.
        using var body = await InspectedAsync("""{"model":"gpt","stream":true,"messages":[]}""");

        body.Rewrite("gpt-primary-2025", requestStreamUsage: true);
        body.Rewrite("gpt-backup-2024", requestStreamUsage: true);
        body.Rewrite("gpt-backup-2024", requestStreamUsage: true);

        Assert.Equal("""{"stream_options":{"include_usage":true},"model":"gpt-backup-2024","stream":true,"messages":[]}""", body.ToString());
    }

    [Fact]
    public async Task Rewrite_EscapedModel_ReplacesTheWholeEscapedToken()
    {
        const string before = """{"model":""";
        const string after = ""","max_tokens":10}""";
        using var body = await InspectedAsync(before + "\"my\\u002dsonnet\\\"x\\\\\"" + after);
        Assert.Equal("my-sonnet\"x\\", body.Model);

        body.Rewrite("claude-sonnet-4-5-20250929", requestStreamUsage: false);

        Assert.Equal(before + "\"claude-sonnet-4-5-20250929\"" + after, body.ToString());
    }

    [Fact]
    public async Task Rewrite_ModelAfterNestedModelKeys_RewritesOnlyTheTopLevelOne()
    {
        const string before = """
            {"metadata":{"model":"claude-sonnet-4-5"},"tools":[{"name":"t","input_schema":{"properties":{"model":{"enum":["claude-sonnet-4-5"]}}}}],"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01","content":"{\"model\":\"claude-sonnet-4-5\"}"}]}],"model":
            """;
        using var body = await InspectedAsync(before + "\"claude-sonnet-4-5\"}");

        body.Rewrite("claude-sonnet-4-5-20250929", requestStreamUsage: false);

        Assert.Equal(before + "\"claude-sonnet-4-5-20250929\"}", body.ToString());
    }

    [Fact]
    public async Task Rewrite_UpstreamIdNeedingEscapes_ProducesValidJson()
    {
        using var body = await InspectedAsync("""{"model":"alias","stream":false}""");

        body.Rewrite("org/model \"v2\"+ü", requestStreamUsage: false);

        var root = JsonNode.Parse(body.ToString())!.AsObject();
        Assert.Equal("org/model \"v2\"+ü", (string?)root["model"]);
        Assert.False(root["stream"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("claude-sonnet-4-5")]
    [InlineData(null)]
    public async Task Rewrite_SameOrNoUpstreamModel_LeavesTheBodyUntouched(string? upstreamModel)
    {
        const string json = """{ "model" : "claude-sonnet-4-5" , "max_tokens" : 5 }""";
        using var body = await InspectedAsync(json);

        body.Rewrite(upstreamModel, requestStreamUsage: false);

        Assert.Equal(json, body.ToString());
    }

    [Fact]
    public async Task Rewrite_ValidatedBodyWithoutModelField_IsUntouched()
    {
        // Gemini: the model travels in the path, so the body is only validated.
        const string json = """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"maxOutputTokens":100}}""";
        using var body = await ReadAsync(json);
        Assert.Null(body.Inspect(RequestSchema.Gemini));

        body.Rewrite(null, requestStreamUsage: false);

        Assert.Equal(json, body.ToString());
    }

    // ---- Rewrite: stream_options.include_usage -----------------------------------------------------------

    [Fact]
    public async Task Rewrite_StreamOptionsAbsent_InjectsIncludeUsageAndKeepsEveryField()
    {
        const string json = """ {"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}],"stream":true,"temperature":0.2,"tools":[]}""";
        using var body = await InspectedAsync(json);

        body.Rewrite(null, requestStreamUsage: true);

        using var original = JsonDocument.Parse(json);
        using var rewritten = JsonDocument.Parse(body.ToString());
        Assert.True(rewritten.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        AssertSameMembersExcept(original.RootElement, rewritten.RootElement, "stream_options");
        Assert.Single(rewritten.RootElement.EnumerateObject(), p => p.Name == "stream_options");
    }

    [Fact]
    public async Task Rewrite_StreamOptionsWithoutIncludeUsage_MergesIntoTheExistingObject()
    {
        const string json = """{"model":"gpt-4o","stream":true,"stream_options":{"include_obfuscation":false},"messages":[]}""";
        using var body = await InspectedAsync(json);

        body.Rewrite(null, requestStreamUsage: true);

        using var original = JsonDocument.Parse(json);
        using var rewritten = JsonDocument.Parse(body.ToString());
        var options = rewritten.RootElement.GetProperty("stream_options");
        Assert.True(options.GetProperty("include_usage").GetBoolean());
        Assert.False(options.GetProperty("include_obfuscation").GetBoolean());
        Assert.Single(rewritten.RootElement.EnumerateObject(), p => p.Name == "stream_options");
        AssertSameMembersExcept(original.RootElement, rewritten.RootElement, "stream_options");
        // The edit is confined to the stream_options value.
        Assert.StartsWith("""{"model":"gpt-4o","stream":true,"stream_options":{""", body.ToString());
        Assert.EndsWith("""},"messages":[]}""", body.ToString());
    }

    [Fact]
    public async Task Rewrite_IncludeUsageFalse_BecomesTrue()
    {
        using var body = await InspectedAsync("""{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false}}""");

        body.Rewrite(null, requestStreamUsage: true);

        using var rewritten = JsonDocument.Parse(body.ToString());
        Assert.True(rewritten.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Single(rewritten.RootElement.GetProperty("stream_options").EnumerateObject());
    }

    [Fact]
    public async Task Rewrite_IncludeUsageAlreadyTrue_LeavesTheBodyUntouched()
    {
        const string json = """{"model":"gpt-4o","stream":true,"stream_options": { "include_usage" : true }}""";
        using var body = await InspectedAsync(json);

        body.Rewrite(null, requestStreamUsage: true);

        Assert.Equal(json, body.ToString());
    }

    [Fact]
    public async Task Rewrite_StreamUsageNotRequested_LeavesStreamOptionsAlone()
    {
        const string json = """{"model":"gpt-4o","stream":false}""";
        using var body = await InspectedAsync(json);

        body.Rewrite(null, requestStreamUsage: false);

        Assert.Equal(json, body.ToString());
    }

    [Fact]
    public async Task Rewrite_ModelAndInjection_BothApplyAndTheRestIsIntact()
    {
        const string tail = ""","messages":[{"role":"user","content":"model \"gpt-4o\""}],"stream":true}""";
        using var body = await InspectedAsync("""{"model":"gpt-4o" """ + tail);

        body.Rewrite("gpt-4o-2024-08-06", requestStreamUsage: true);

        Assert.Equal("""{"stream_options":{"include_usage":true},"model":"gpt-4o-2024-08-06" """ + tail, body.ToString());
        Assert.Equal(body.ToString(), Encoding.UTF8.GetString(AllBytes(body.AsStream())));
    }

    [Fact]
    public async Task Rewrite_ModelAndMerge_BothApplyInEitherOrder()
    {
        using var body = await InspectedAsync("""{"stream_options":{},"messages":[],"model":"gpt-4o","stream":true}""");

        body.Rewrite("gpt-4o-2024-08-06", requestStreamUsage: true);

        var text = body.ToString();
        Assert.Equal(text.Length, body.Length);
        Assert.StartsWith("""{"stream_options":{""", text);
        Assert.EndsWith(""","messages":[],"model":"gpt-4o-2024-08-06","stream":true}""", text);
        using var rewritten = JsonDocument.Parse(text);
        Assert.True(rewritten.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }

    [Fact]
    public async Task Rewrite_StreamOptionsNull_EndsWithExactlyOneStreamOptionsAskingForUsage()
    {
        using var body = await InspectedAsync("""{"model":"gpt-4o","stream":true,"stream_options":null,"messages":[]}""");

        body.Rewrite(null, requestStreamUsage: true);

        using var rewritten = JsonDocument.Parse(body.ToString());
        var options = Assert.Single(rewritten.RootElement.EnumerateObject(), p => p.Name == "stream_options");
        Assert.Equal(JsonValueKind.Object, options.Value.ValueKind);
        Assert.True(options.Value.GetProperty("include_usage").GetBoolean());
    }

    // ---- A Claude Code sized body ------------------------------------------------------------------------

    [Fact]
    public async Task ClaudeCodeSizedBody_ReadInSmallChunks_RoundTripsWithOnlyTheModelChanged()
    {
        var json = ClaudeCodeRequest();
        Assert.True(Encoding.UTF8.GetByteCount(json) > 100_000);
        var (read, error) = await RequestBody.ReadAsync(Request(Utf8(json), chunked: true, readSize: 1500), 32 * 1024 * 1024, Ct);
        Assert.Null(error);
        using var body = Assert.IsType<RequestBody>(read);
        Assert.Equal(Utf8(json), body.Span.ToArray());

        Assert.Null(body.Inspect(RequestSchema.Anthropic));
        Assert.Equal("claude-sonnet-4-5", body.Model);
        Assert.True(body.Stream);
        Assert.Equal(32000, body.OutputLimit);

        body.Rewrite("claude-sonnet-4-5-20250929", requestStreamUsage: false);

        const string original = "{\"model\":\"claude-sonnet-4-5\",";
        Assert.StartsWith(original, json);
        var expected = "{\"model\":\"claude-sonnet-4-5-20250929\"," + json[original.Length..];
        Assert.Equal(Utf8(expected), body.Span.ToArray());
        Assert.Equal(Utf8(expected), AllBytes(body.AsStream()));
    }

    /// <summary>The shape Claude Code sends: model first, long system blocks with cache_control, dozens of tools
    /// (whose schemas have their own "model" keys), a long tool-using conversation, metadata, thinking.</summary>
    private static string ClaudeCodeRequest()
    {
        var tools = new JsonArray();
        for (var i = 0; i < 30; i++)
            tools.Add(new JsonObject
            {
                ["name"] = $"Tool{i}",
                ["description"] = $"Tool number {i}. " + string.Concat(Enumerable.Repeat("Use this tool when the task needs it; read the file first. ", 10)),
                ["input_schema"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject
                    {
                        ["file_path"] = new JsonObject { ["type"] = "string", ["description"] = "Absolute path" },
                        ["model"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("sonnet", "opus", "haiku") },
                    },
                    ["required"] = new JsonArray("file_path"),
                    ["additionalProperties"] = false,
                    ["$schema"] = "http://json-schema.org/draft-07/schema#",
                },
            });
        var messages = new JsonArray();
        for (var turn = 0; turn < 40; turn++)
        {
            messages.Add(new JsonObject
            {
                ["role"] = "user",
                ["content"] = turn == 0
                    ? new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Fix the failing test in src/Parser.cs — «naïve» 😀 \"quoted\"\n\ttab" })
                    : new JsonArray(new JsonObject
                    {
                        ["type"] = "tool_result",
                        ["tool_use_id"] = $"toolu_01A{turn:D4}",
                        ["content"] = string.Concat(Enumerable.Repeat($"{turn,4}→ var model = \"claude\"; // λ\n", 80)),
                    }),
            });
            messages.Add(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = $"Reading file {turn}." },
                    new JsonObject
                    {
                        ["type"] = "tool_use",
                        ["id"] = $"toolu_01A{turn + 1:D4}",
                        ["name"] = $"Tool{turn % 30}",
                        ["input"] = new JsonObject { ["file_path"] = $"/repo/src/File{turn}.cs", ["model"] = "haiku" },
                    }),
            });
        }
        messages.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Continue.", ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } }),
        });
        var request = new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["messages"] = messages,
            ["system"] = new JsonArray(
                new JsonObject { ["type"] = "text", ["text"] = "You are Claude Code, Anthropic's official CLI for Claude.", ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } },
                new JsonObject { ["type"] = "text", ["text"] = string.Concat(Enumerable.Repeat("You are an interactive CLI tool that helps users with software engineering tasks. ", 100)), ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } }),
            ["tools"] = tools,
            ["metadata"] = new JsonObject { ["user_id"] = "user_3f2a_account_9b1c_session_77d0" },
            ["max_tokens"] = 32000,
            ["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 31999 },
            ["stream"] = true,
        };
        return request.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    // ---- Helpers -----------------------------------------------------------------------------------------

    private static void AssertSameMembersExcept(JsonElement original, JsonElement rewritten, string except)
    {
        var want = original.EnumerateObject().Where(p => p.Name != except).Select(p => (p.Name, p.Value.GetRawText())).ToList();
        var got = rewritten.EnumerateObject().Where(p => p.Name != except).Select(p => (p.Name, p.Value.GetRawText())).ToList();
        Assert.Equal(want, got);
    }

    private static byte[] AllBytes(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A readable stream that hands out at most <c>readSize</c> bytes per read and counts the reads.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : Stream
    {
        private int _position;

        public int Reads { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            var count = Math.Min(Math.Min(readSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer.Span);
            _position += count;
            return ValueTask.FromResult(count);
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class MaxBodySizeFeature : IHttpMaxRequestBodySizeFeature
    {
        public bool IsReadOnly => false;
        public long? MaxRequestBodySize { get; set; }
    }
}
