using System.Net;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Providers.Bedrock;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

public sealed class BedrockUnitTests
{
    private const string ExampleKeyId = "AKIDEXAMPLE";
    private const string ExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly DateTimeOffset SignedAt = new(2026, 11, 30, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    // AWS's SigV4 test suite, get-vanilla and post-vanilla: the fake's own verifier must agree with AWS.
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Verifier_ComputesTheSignaturesOfAwsPublishedTestSuite(string method, string expected)
    {
        var canonical = SigV4Verifier.CanonicalRequest(method, "/", "", [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")],
            SigV4Verifier.Hex(System.Security.Cryptography.SHA256.HashData([])));
        Assert.Equal($"{method}\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", canonical);
        Assert.Equal(expected, SigV4Verifier.Signature(ExampleSecret, "20150830T123600Z", "us-east-1", "service", canonical));
    }

    [Theory]
    [InlineData("us.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    [InlineData("anthropic.claude-3-5-haiku-20241022-v1:0")]
    [InlineData("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0")]
    public void Signer_SignsTheModelPath_AsTheIndependentVerifierRecomputesIt(string modelId)
    {
        var body = Encoding.UTF8.GetBytes("{\"messages\":[],\"anthropic_version\":\"bedrock-2023-05-31\"}");
        using var request = new HttpRequestMessage(HttpMethod.Post, BedrockRequests.InvokeUrl("http://127.0.0.1:4567", modelId, stream: true));
        var credential = new BedrockCredential(ExampleKeyId, ExampleSecret, null, null);

        BedrockSigner.Sign(request, body, credential, "eu-west-1", SignedAt);

        var rawPath = request.RequestUri!.GetComponents(UriComponents.Path | UriComponents.KeepDelimiter, UriFormat.UriEscaped);
        Assert.Equal($"/model/{Uri.EscapeDataString(modelId)}/invoke-with-response-stream", rawPath);
        Assert.Null(Verify(request, body, ExampleSecret, null));
        Assert.Equal("signature mismatch", Verify(request, body, ExampleSecret + "x", null));
        Assert.Equal("x-amz-content-sha256 does not match the body", Verify(request, [.. body, (byte)' '], ExampleSecret, null));
        Assert.Equal("20261130T020000Z", request.Headers.GetValues("x-amz-date").Single());
    }

    [Fact]
    public void Signer_SignsTheSessionTokenOfTemporaryCredentials()
    {
        var body = "{}"u8.ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Post, BedrockRequests.CountTokensUrl(BedrockRequests.RuntimeBaseUrl("us-east-1"), "anthropic.claude-sonnet-4-5-20250929-v1:0"));
        BedrockSigner.Sign(request, body, new BedrockCredential(ExampleKeyId, ExampleSecret, "session-token/xyz==", null), "us-east-1", SignedAt);

        Assert.Equal("session-token/xyz==", request.Headers.GetValues("x-amz-security-token").Single());
        Assert.Null(Verify(request, body, ExampleSecret, "session-token/xyz==", region: "us-east-1"));
    }

    [Fact]
    public void Signer_SendsABedrockApiKeyAsBearer_WithoutSigning()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke");
        BedrockSigner.Sign(request, "{}"u8, new BedrockCredential(null, null, null, "ABSKbedrockapikey"), "us-east-1", SignedAt);

        Assert.Equal("Bearer ABSKbedrockapikey", request.Headers.GetValues("authorization").Single());
        Assert.False(request.Headers.Contains("x-amz-date"));
    }

    [Fact]
    public void InvokeBody_DropsModelAndStream_AddsVersionAndAcceptedBetas_KeepsEverythingElseByteForByte()
    {
        const string system = "[{\"type\":\"text\",\"text\":\"You are Claude Code.\\n\\u00e9\",\"cache_control\":{\"type\":\"ephemeral\"}}]";
        var body = $"{{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"stream\":true,\"system\":{system},\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}],\"anthropic_beta\":[\"x\"],\"metadata\":{{\"user_id\":\"u1\"}}}}";
        var betas = BedrockRequests.AcceptedBetas(["claude-code-20250219,interleaved-thinking-2025-05-14", "oauth-2025-04-20, context-1m-2025-08-07", "interleaved-thinking-2025-05-14"],
            BedrockRequests.DefaultAcceptedBetas);

        var result = Encoding.UTF8.GetString(BedrockRequests.InvokeBody(Encoding.UTF8.GetBytes(body), betas));

        Assert.Equal($"{{\"max_tokens\":1024,\"system\":{system},\"messages\":[{{\"role\":\"user\",\"content\":\"hi\"}}],\"metadata\":{{\"user_id\":\"u1\"}},"
            + "\"anthropic_version\":\"bedrock-2023-05-31\",\"anthropic_beta\":[\"interleaved-thinking-2025-05-14\",\"context-1m-2025-08-07\"]}", result);
    }

    [Fact]
    public void CountTokensBody_WrapsTheInvokeBody_Base64_WithTheMaxTokensInvokeNeeds()
    {
        var body = "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"u8.ToArray();

        using var document = JsonDocument.Parse(BedrockRequests.CountTokensBody(body, []));

        var inner = Encoding.UTF8.GetString(document.RootElement.GetProperty("input").GetProperty("invokeModel").GetProperty("body").GetBytesFromBase64());
        Assert.Equal("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1,\"anthropic_version\":\"bedrock-2023-05-31\"}", inner);
    }

    [Fact]
    public async Task EventStream_BecomesAnthropicSse_FrameByFrame_EvenFromOneByteWrites()
    {
        var events = BedrockFrames.ToolUseAnswer("us.anthropic.claude-sonnet-4-5-20250929-v1:0", input: 900, output: 42);
        var frames = events.SelectMany(BedrockFrames.Chunk).ToArray();
        var (decoder, response, client) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);

        await CopyAsync(frames, decoder, chunk: 1);

        var expected = string.Concat(events.Select(e =>
        {
            var json = JsonSerializer.Serialize(e);
            return $"event: {JsonDocument.Parse(json).RootElement.GetProperty("type").GetString()}\ndata: {json}\n\n";
        }));
        Assert.Equal(expected, Encoding.UTF8.GetString(client.ToArray()));
        Assert.Equal("text/event-stream; charset=utf-8", response.ContentType);
        Assert.Equal(200, response.StatusCode);
    }

    [Fact]
    public async Task EventStream_WritesEachEventAsItsFrameCompletes()
    {
        var events = BedrockFrames.ToolUseAnswer("m", 10, 5);
        var (decoder, _, client) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);
        var first = BedrockFrames.Chunk(events[0]);

        await decoder.Stream.WriteAsync(first.AsMemory(0, first.Length - 1));
        Assert.Equal(0, client.Length);
        await decoder.Stream.WriteAsync(first.AsMemory(first.Length - 1));
        Assert.StartsWith("event: message_start\ndata: ", Encoding.UTF8.GetString(client.ToArray()));
    }

    [Theory]
    [InlineData(43, false)]
    [InlineData(42, true)]
    public async Task EventStream_ChecksTheEventsUsageAgainstTheInvocationMetrics(int metricsOutput, bool agree)
    {
        var frames = BedrockFrames.ToolUseAnswer("m", input: 900, output: 42, metricsOutput: metricsOutput).SelectMany(BedrockFrames.Chunk).ToArray();
        var (decoder, _, _) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);

        await CopyAsync(frames, decoder, chunk: 4096);

        Assert.Equal(agree, decoder.Responses.MetricsAgree);
    }

    [Theory]
    [InlineData("throttlingException", 429, "rate_limit_error")]
    [InlineData("validationException", 400, "invalid_request_error")]
    [InlineData("modelStreamErrorException", 502, "api_error")]
    [InlineData("internalServerException", 502, "api_error")]
    [InlineData("serviceUnavailableException", 529, "overloaded_error")]
    [InlineData("modelTimeoutException", 504, "api_error")]
    public async Task EventStream_AnExceptionFirst_IsAnErrorAnswerWithItsStatus(string exceptionType, int status, string anthropicType)
    {
        var (decoder, response, client) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);

        await CopyAsync(BedrockFrames.Exception(exceptionType, "Something went wrong."), decoder, chunk: 7);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.ContentType);
        using var json = JsonDocument.Parse(client.ToArray());
        Assert.Equal(anthropicType, json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.EndsWith("Something went wrong.", json.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("throttlingException", "rate_limit_error")]
    [InlineData("validationException", "invalid_request_error")]
    [InlineData("modelStreamErrorException", "api_error")]
    [InlineData("internalServerException", "api_error")]
    [InlineData("serviceUnavailableException", "overloaded_error")]
    public async Task EventStream_AnExceptionMidStream_IsAnSseErrorEvent_AndEndsIt(string exceptionType, string anthropicType)
    {
        var events = BedrockFrames.ToolUseAnswer("m", 10, 5);
        var frames = events.Take(3).SelectMany(BedrockFrames.Chunk).Concat(BedrockFrames.Exception(exceptionType, "Stopped.")).Concat(BedrockFrames.Chunk(events[3])).ToArray();
        var (decoder, response, client) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);

        await CopyAsync(frames, decoder, chunk: 64);

        var sse = Encoding.UTF8.GetString(client.ToArray());
        var last = sse.TrimEnd('\n').Split("\n\n")[^1];
        Assert.Equal($"event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"{anthropicType}\",\"message\":\"{(anthropicType == "api_error" ? "Amazon Bedrock: " : "")}Stopped.\"}}}}", last);
        Assert.Equal(4, sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(200, response.StatusCode);
    }

    [Fact]
    public async Task EventStream_AFrameWithABadCrc_EndsTheStreamWithAnErrorEvent()
    {
        var good = BedrockFrames.Chunk(BedrockFrames.ToolUseAnswer("m", 10, 5)[0]);
        var bad = BedrockFrames.Chunk(BedrockFrames.ToolUseAnswer("m", 10, 5)[1]);
        bad[^10] ^= 0xFF;
        var (decoder, _, client) = Decoder(HttpStatusCode.OK, BedrockResponses.EventStreamContentType, countTokens: false);

        await CopyAsync([.. good, .. bad, .. good], decoder, chunk: good.Length);

        var sse = Encoding.UTF8.GetString(client.ToArray());
        Assert.StartsWith("event: message_start\n", sse);
        Assert.EndsWith("\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Amazon Bedrock's event stream could not be decoded.\"}}\n\n", sse);
    }

    [Theory]
    [InlineData(400, "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", 400, "invalid_request_error")]
    [InlineData(429, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", 429, "rate_limit_error")]
    [InlineData(404, "ResourceNotFoundException", 404, "not_found_error")]
    [InlineData(503, "ServiceUnavailableException", 529, "overloaded_error")]
    [InlineData(500, "InternalServerException", 502, "api_error")]
    public async Task ErrorAnswers_BecomeAnthropicErrors(int status, string errorType, int expectedStatus, string anthropicType)
    {
        var (decoder, response, client) = Decoder((HttpStatusCode)status, "application/json", countTokens: false, errorType: errorType);

        await CopyAsync("{\"message\":\"Nope.\"}"u8.ToArray(), decoder, chunk: 5);

        Assert.Equal(expectedStatus, response.StatusCode);
        using var json = JsonDocument.Parse(client.ToArray());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(anthropicType, json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.EndsWith("Nope.", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.False(response.Headers.ContainsKey("x-amzn-ErrorType"));
        Assert.Null(response.ContentLength);
    }

    [Fact]
    public async Task ARefusedCredential_IsA502NamingTheAccount_NotAwsText()
    {
        var (decoder, response, client) = Decoder(HttpStatusCode.Forbidden, "application/json", countTokens: false,
            errorType: "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/", account: "bedrock-prod");

        await CopyAsync("{\"message\":\"User: arn:aws:iam::123456789012:user/gateway is not authorized\"}"u8.ToArray(), decoder, chunk: 4096);

        Assert.Equal(502, response.StatusCode);
        var text = Encoding.UTF8.GetString(client.ToArray());
        Assert.Contains("'bedrock-prod'", text);
        Assert.DoesNotContain("123456789012", text);
    }

    [Fact]
    public async Task CountTokensAnswer_BecomesAnthropicsCount()
    {
        var (decoder, response, client) = Decoder(HttpStatusCode.OK, "application/json", countTokens: true);

        await CopyAsync("{\"inputTokens\":4321}"u8.ToArray(), decoder, chunk: 3);

        Assert.Equal("{\"input_tokens\":4321}", Encoding.UTF8.GetString(client.ToArray()));
        Assert.Equal(200, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"accessKeyId\":\"AKIAEXAMPLE00000001\",\"secretAccessKey\":\"s/e+c\"}", "AKIAEXAMPLE00000001", null, null)]
    [InlineData("{\"accessKeyId\":\"ASIAEXAMPLE00000001\",\"secretAccessKey\":\"s\",\"sessionToken\":\"tok\"}", "ASIAEXAMPLE00000001", "tok", null)]
    [InlineData("{\"apiKey\":\"ABSKkey\"}", null, null, "ABSKkey")]
    [InlineData("\"ABSKkey\"", null, null, "ABSKkey")]
    public void Credential_ParsesBothShapes_AndRoundTripsItsStoredForm(string json, string? keyId, string? token, string? apiKey)
    {
        var credential = BedrockCredential.Parse(JsonDocument.Parse(json).RootElement, out var problem);

        Assert.Null(problem);
        Assert.Equal((keyId, token, apiKey), (credential!.AccessKeyId, credential.SessionToken, credential.ApiKey));
        Assert.Equal(credential, BedrockCredential.FromStored(credential.ToJson()));
        Assert.DoesNotContain("s/e+c", credential.ToString());
    }

    [Theory]
    [InlineData("{\"accessKeyId\":\"AKIAEXAMPLE00000001\"}", "secretAccessKey is required")]
    [InlineData("{\"accessKeyId\":\"not a key\",\"secretAccessKey\":\"s\"}", "accessKeyId must be")]
    [InlineData("{\"apiKey\":\"k\",\"accessKeyId\":\"AKIAEXAMPLE00000001\"}", "not both")]
    [InlineData("{\"secret\":\"s\"}", "Unknown credential field")]
    [InlineData("42", "A Bedrock credential is")]
    public void Credential_RefusesWhatIsNotOne(string json, string problemStart)
    {
        Assert.Null(BedrockCredential.Parse(JsonDocument.Parse(json).RootElement, out var problem));
        Assert.Contains(problemStart, problem);
    }

    private static (Decoding Decoder, HttpResponse Response, MemoryStream Client) Decoder(HttpStatusCode status, string contentType, bool countTokens,
        string? errorType = null, string account = "bedrock-test")
    {
        var upstream = new HttpResponseMessage(status) { Content = new ByteArrayContent([]) };
        upstream.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        var context = new DefaultHttpContext();
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = 20;
        if (errorType is not null)
        {
            upstream.Headers.TryAddWithoutValidation("x-amzn-ErrorType", errorType);
            context.Response.Headers["x-amzn-ErrorType"] = errorType;
        }
        var client = new MemoryStream();
        var responses = new BedrockResponses(countTokens, account, NullLogger.Instance);
        return (new Decoding(responses, responses.Start(upstream, context.Response, client)), context.Response, client);
    }

    /// <summary>Copies as the forwarder does: one reused buffer, <paramref name="chunk"/> bytes a write, then completes.</summary>
    private static async Task CopyAsync(byte[] body, Decoding decoder, int chunk)
    {
        var buffer = new byte[chunk];
        for (var at = 0; at < body.Length; at += chunk)
        {
            var length = Math.Min(chunk, body.Length - at);
            body.AsSpan(at, length).CopyTo(buffer);
            await decoder.Stream.WriteAsync(buffer.AsMemory(0, length));
            buffer.AsSpan().Fill(0xEE);
        }
        await decoder.Responses.CompleteAsync(CancellationToken.None);
    }

    private sealed record Decoding(BedrockResponses Responses, Stream Stream);

    private static string? Verify(HttpRequestMessage request, byte[] body, string secret, string? token, string region = "eu-west-1")
    {
        var uri = request.RequestUri!;
        var headers = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        headers["host"] = uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
        return SigV4Verifier.Verify(request.Method.Method, uri.GetComponents(UriComponents.Path | UriComponents.KeepDelimiter, UriFormat.UriEscaped),
            uri.Query, headers, body, ExampleKeyId, secret, region, "bedrock", token);
    }
}
