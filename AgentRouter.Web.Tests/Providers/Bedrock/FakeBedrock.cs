using System.Net;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Tests.Fakes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>A loopback fake of Bedrock's runtime (and the one control-plane call the connection test makes). It
/// recomputes each request's SigV4 signature from the secret it knows and refuses a mismatch as Bedrock does (403,
/// <c>x-amzn-ErrorType</c>); or, for an API-key account, checks the bearer token. It answers InvokeModel with
/// Anthropic JSON, InvokeModelWithResponseStream with real event-stream frames, one write per frame (and one frame
/// split across two writes), and CountTokens with <c>{"inputTokens":n}</c>.</summary>
public sealed class FakeBedrock : IAsyncDisposable
{
    public const string Region = "eu-west-1";
    public const string AccessKeyId = "AKIAFAKEBEDROCK0001";

    private readonly WebApplication _app;
    private readonly List<RecordedRequest> _requests = [];

    private FakeBedrock(WebApplication app) => _app = app;

    public static async Task<FakeBedrock> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeBedrock(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        fake.Origin = app.Urls.Single();
        return fake;
    }

    /// <summary>"http://127.0.0.1:PORT": an account's base URL override.</summary>
    public string Origin { get; private set; } = "";

    public string SecretAccessKey { get; set; } = "fake/Secret+Key/" + Guid.NewGuid().ToString("N");

    /// <summary>When set, requests must carry (and sign) this session token.</summary>
    public string? SessionToken { get; set; }

    /// <summary>When set, requests must be <c>Authorization: Bearer</c> this key instead of signed.</summary>
    public string? ApiKey { get; set; }

    public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) return _requests.ToArray(); } }

    public RecordedRequest LastRequest { get { lock (_requests) return _requests[^1]; } }

    /// <summary>Why the last refused request's authentication failed.</summary>
    public string? LastAuthProblem { get; private set; }

    public int InputTokens { get; set; } = 1234;
    public int OutputTokens { get; set; } = 56;
    public int CacheReadTokens { get; set; }
    public int CacheWriteTokens { get; set; }

    /// <summary>The events a stream answers with (Anthropic event objects, written as chunk frames); the default is a
    /// tool-use answer with the usage above.</summary>
    public IReadOnlyList<object>? StreamEvents { get; set; }

    /// <summary>An exception event written after <see cref="ExceptionAfter"/> chunk frames.</summary>
    public (string Type, string Message)? StreamException { get; set; }

    public int ExceptionAfter { get; set; }

    /// <summary>A non-streamed error answer: status, <c>x-amzn-ErrorType</c>, message.</summary>
    public (int Status, string ErrorType, string Message)? Failure { get; set; }

    /// <summary>Raw bytes to answer a stream with instead of frames (a corrupted frame, say).</summary>
    public byte[]? RawStream { get; set; }

    public void Reset()
    {
        StreamEvents = null;
        StreamException = null;
        ExceptionAfter = 0;
        Failure = null;
        RawStream = null;
        SessionToken = null;
        ApiKey = null;
        lock (_requests)
            _requests.Clear();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var q = rawTarget.IndexOf('?');
        var query = q >= 0 ? rawTarget[q..] : "";
        var rawPath = q >= 0 ? rawTarget[..q] : rawTarget;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_requests)
            _requests.Add(new RecordedRequest(context.Request.Method, rawPath, query, headers, Encoding.UTF8.GetString(body)));

        var problem = ApiKey is not null
            ? headers.GetValueOrDefault("authorization") == "Bearer " + ApiKey ? null : "bearer token mismatch"
            : SigV4Verifier.Verify(context.Request.Method, rawPath, query, headers, body, AccessKeyId, SecretAccessKey, Region, "bedrock", SessionToken);
        LastAuthProblem = problem;
        if (problem is not null)
        {
            await ErrorAsync(context, 403, ApiKey is null ? "InvalidSignatureException" : "UnrecognizedClientException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.");
            return;
        }
        if (Failure is { } failure)
        {
            await ErrorAsync(context, failure.Status, failure.ErrorType, failure.Message);
            return;
        }

        if (context.Request.Method == "GET" && rawPath == "/foundation-models")
        {
            await JsonAsync(context, new { modelSummaries = new[] { new { modelId = "anthropic.claude-sonnet-4-5-20250929-v1:0", providerName = "Anthropic" } } });
            return;
        }
        var segments = rawPath.Split('/');
        if (context.Request.Method != "POST" || segments.Length != 4 || segments[1] != "model")
        {
            await ErrorAsync(context, 404, "UnknownOperationException", "Unknown operation " + rawPath);
            return;
        }
        var model = Uri.UnescapeDataString(segments[2]);
        switch (segments[3])
        {
            case "invoke":
                await JsonAsync(context, new
                {
                    id = "msg_bdrk_02", type = "message", role = "assistant", model,
                    content = new[] { new { type = "text", text = "Hello from Bedrock." } },
                    stop_reason = "end_turn", stop_sequence = (string?)null,
                    usage = new { input_tokens = InputTokens, cache_creation_input_tokens = CacheWriteTokens, cache_read_input_tokens = CacheReadTokens, output_tokens = OutputTokens },
                });
                break;
            case "invoke-with-response-stream":
                await StreamAsync(context, model);
                break;
            case "count-tokens":
                await JsonAsync(context, new { inputTokens = InputTokens });
                break;
            default:
                await ErrorAsync(context, 404, "UnknownOperationException", "Unknown operation " + segments[3]);
                break;
        }
    }

    private async Task StreamAsync(HttpContext context, string model)
    {
        context.Response.ContentType = "application/vnd.amazon.eventstream";
        context.Response.Headers["x-amzn-bedrock-content-type"] = "application/json";
        await context.Response.StartAsync();
        if (RawStream is { } raw)
        {
            await context.Response.Body.WriteAsync(raw);
            return;
        }
        var events = StreamEvents ?? BedrockFrames.ToolUseAnswer(model, InputTokens, OutputTokens, CacheReadTokens, CacheWriteTokens);
        var written = 0;
        foreach (var anthropicEvent in events)
        {
            if (StreamException is { } early && written == ExceptionAfter)
                break;
            var frame = BedrockFrames.Chunk(anthropicEvent);
            if (written == 1)
            {
                // One frame arrives in two reads: the decoder must hold the first half until the rest comes.
                await context.Response.Body.WriteAsync(frame.AsMemory(0, frame.Length / 2));
                await context.Response.Body.FlushAsync();
                await context.Response.Body.WriteAsync(frame.AsMemory(frame.Length / 2));
            }
            else
                await context.Response.Body.WriteAsync(frame);
            await context.Response.Body.FlushAsync();
            written++;
        }
        if (StreamException is { } exception)
            await context.Response.Body.WriteAsync(BedrockFrames.Exception(exception.Type, exception.Message));
    }

    private static async Task JsonAsync(HttpContext context, object body)
    {
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body));
    }

    private static async Task ErrorAsync(HttpContext context, int status, string errorType, string message)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-amzn-ErrorType"] = errorType + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
        await JsonAsync(context, new { message });
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
