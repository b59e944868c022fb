using System.Text;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Translation;

/// <summary>One translated call: the request as the upstream's API takes it, and the wrapper that turns the
/// upstream's answer (JSON or a stream, event by event) into the caller's dialect.</summary>
public sealed class Translation
{
    private readonly IDialectCodec _client;
    private readonly ApiSurface _caller;
    private readonly IDialectCodec _upstream;
    private readonly byte[] _body;
    private TranslatingStream? _stream;

    internal Translation(IDialectCodec client, ApiSurface caller, IDialectCodec upstreamCodec, ApiSurface upstream, ChatRequest request, string model,
        byte[] body, QueryString query, bool isCount, bool clientSse, bool callerSentAnthropicVersion)
    {
        (_client, _caller, _upstream, Upstream, Request, Model, _body, Query, IsCount, ClientSse, _callerSentAnthropicVersion) =
            (client, caller, upstreamCodec, upstream, request, model, body, query, isCount, clientSse, callerSentAnthropicVersion);
    }

    private readonly bool _callerSentAnthropicVersion;

    /// <summary>The upstream operation the request goes to.</summary>
    public ApiSurface Upstream { get; }

    public ChatRequest Request { get; }

    /// <summary>The model as the caller named it.</summary>
    public string Model { get; }

    /// <summary>The query string for the upstream (<c>alt=sse</c> for Gemini streams; nothing of the caller's).</summary>
    public QueryString Query { get; }

    public bool IsCount { get; }

    /// <summary>For a Gemini caller: whether it asked for SSE (<c>alt=sse</c>) rather than one streamed JSON array.</summary>
    public bool ClientSse { get; }

    public ReadOnlyMemory<byte> Body => _body;

    /// <summary>The call the upstream's adapter plans: the translated body (read strictly, like a caller's) for the
    /// upstream's own operation.</summary>
    public UpstreamCall UpstreamCall(ModelRoute route, IHeaderDictionary callerHeaders, string? passthroughToken)
    {
        var body = RequestBody.FromBytes(_body);
        if (body.Inspect(Upstream.Schema) is { } invalid)
            throw new InvalidOperationException($"A translated request did not read back: {invalid.Message}");
        return new UpstreamCall(Upstream, route.Account, route.UpstreamModel, body, Query, callerHeaders, requestStreamUsage: false, passthroughToken);
    }

    /// <summary>Adds what the upstream's API needs that a caller speaking another dialect did not send: Anthropic's
    /// version header, and the beta that structured outputs need.</summary>
    public UpstreamPlan Adjust(UpstreamPlan plan)
    {
        if (Upstream.Dialect != ApiDialect.Anthropic || plan.Refusal is not null)
            return plan;
        var headers = plan.Headers.ToList();
        if (!_callerSentAnthropicVersion)
            headers.Add(new("anthropic-version", Translator.AnthropicVersion));
        if (Request.Format is not null)
            headers.Add(new("anthropic-beta", AnthropicCodec.StructuredOutputsBeta));
        return new UpstreamPlan { Url = plan.Url, Headers = headers, Sign = plan.Sign, Decoder = plan.Decoder };
    }

    /// <summary>Wraps the stream the caller's answer is written to.</summary>
    public Stream WrapResponse(Stream clientBody, HttpContext context) => _stream = new TranslatingStream(clientBody, context, this);

    /// <summary>Called once the forwarder is done: writes what the answer still owes the caller.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken) => _stream?.CompleteAsync(cancellationToken) ?? Task.CompletedTask;

    internal IStreamDecoder NewStreamDecoder() => _upstream.NewStreamDecoder();

    internal IStreamEncoder NewStreamEncoder() =>
        _caller == ApiSurface.GeminiStream && !ClientSse ? GeminiCodec.NewArrayStreamEncoder(Model) : _client.NewStreamEncoder(Request, Model);

    internal ApiDialect ClientDialect => _caller.Dialect;

    /// <summary>The caller's answer for a whole upstream answer.</summary>
    internal byte[] TranslateAnswer(JsonElement upstreamAnswer) => JsonSerializer.SerializeToUtf8Bytes(IsCount
        ? _client.EncodeCount(_upstream.DecodeCount(upstreamAnswer))
        : _client.EncodeResponse(_upstream.DecodeResponse(upstreamAnswer), Request, Model), Json.Options);

    /// <summary>A whole upstream answer as a stream, for a streaming caller whose upstream answered in one piece.</summary>
    internal string TranslateAnswerAsStream(JsonElement upstreamAnswer)
    {
        var response = _upstream.DecodeResponse(upstreamAnswer);
        var encoder = NewStreamEncoder();
        var output = new StringBuilder();
        foreach (var streamEvent in EventsOf(response))
            encoder.Encode(streamEvent, output);
        encoder.End(output, finished: true);
        return output.ToString();
    }

    /// <summary>The events a stream of a whole answer would have had.</summary>
    public static IEnumerable<StreamEvent> EventsOf(ChatResponse response)
    {
        yield return new StartEvent(response.Id, response.Model);
        for (var i = 0; i < response.Content.Count; i++)
        {
            var part = response.Content[i];
            switch (part)
            {
                case TextPart text:
                    yield return new BlockStartEvent(i, new TextPart(""));
                    yield return new DeltaEvent(i, text.Text);
                    break;
                case ThinkingPart thinking:
                    yield return new BlockStartEvent(i, new ThinkingPart("", null));
                    yield return new DeltaEvent(i, thinking.Text);
                    if (thinking.Signature is { } signature)
                        yield return new SignatureEvent(i, signature);
                    break;
                case RedactedThinkingPart redacted:
                    yield return new BlockStartEvent(i, redacted);
                    break;
                case ToolCallPart call:
                    yield return new BlockStartEvent(i, call with { Arguments = "" });
                    yield return new DeltaEvent(i, call.Arguments);
                    break;
                default:
                    continue;
            }
            yield return new BlockStopEvent(i);
        }
        yield return new FinishEvent(response.StopReason, response.StopSequence, response.Usage);
    }
}
