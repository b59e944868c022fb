using System.Text.Json;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Turns Bedrock's answer into the one an Anthropic client expects, as the forwarder copies it: an event stream
/// becomes SSE (<see cref="BedrockEventStream"/>), a CountTokens answer Anthropic's count, an error Anthropic's error
/// JSON with the matching status. Anything else (an InvokeModel answer: Anthropic's own message JSON) passes through.</summary>
/// <param name="countTokens">Whether the request was CountTokens (its answer is <c>{"inputTokens":n}</c>).</param>
public sealed class BedrockResponses(bool countTokens, string accountName, ILogger logger) : IResponseDecoder
{
    public const string EventStreamContentType = "application/vnd.amazon.eventstream";

    /// <summary>The most of a small answer (an error, a count) kept to rewrite it.</summary>
    private const int MaxCaptured = 64 * 1024;

    private Stream? _client;
    private HttpResponse? _response;
    private Captured? _captured;
    private BedrockError? _error;
    private string? _errorType;
    private int _upstreamStatus;
    private BedrockEventStream? _events;

    /// <summary>Once the stream is decoded: whether Bedrock's invocation metrics agreed with its events' usage.</summary>
    public bool? MetricsAgree => _events?.MetricsAgree;

    public Stream Start(HttpResponseMessage upstream, HttpResponse client, Stream toClient)
    {
        _client = toClient;
        _response = client;
        var status = (int)upstream.StatusCode;
        if (status is < 200 or >= 300)
        {
            var errorType = upstream.Headers.TryGetValues(BedrockErrors.ErrorTypeHeader, out var values) ? values.FirstOrDefault() : null;
            // The status follows from the error's name and Bedrock's status, known now; the message comes with the body.
            (_errorType, _upstreamStatus) = (errorType, status);
            _error = BedrockErrors.Map(errorType, status, null, accountName);
            if (_error.Status == StatusCodes.Status502BadGateway && status is 401 or 403)
                logger.LogWarning("Amazon Bedrock refused the credential of provider account '{Account}' ({Status} {ErrorType}).", accountName, status, errorType);
            client.Headers.Remove(BedrockErrors.ErrorTypeHeader);
            return Capture(client, _error.Status);
        }
        if (string.Equals(upstream.Content.Headers.ContentType?.MediaType, EventStreamContentType, StringComparison.OrdinalIgnoreCase))
        {
            client.ContentType = "text/event-stream; charset=utf-8";
            client.ContentLength = null;
            client.Headers.Remove("x-amzn-bedrock-content-type");
            return _events = new BedrockEventStream(toClient, client, accountName, logger);
        }
        return countTokens ? Capture(client, status) : toClient;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        // Everything it decoded was written as it came; what is left is its pooled buffer.
        _events?.Dispose();
        if (_captured is null)
            return;
        var body = _captured.Bytes;
        byte[] answer;
        if (_error is not null)
            answer = BedrockErrors.Map(_errorType, _upstreamStatus, BedrockErrors.MessageOf(body), accountName).ToAnthropicJson();
        else if (InputTokens(body) is { } count)
            answer = JsonSerializer.SerializeToUtf8Bytes(new { input_tokens = count });
        else
        {
            _response!.StatusCode = StatusCodes.Status502BadGateway;
            answer = new BedrockError(502, "api_error", "Amazon Bedrock's CountTokens answer held no inputTokens.").ToAnthropicJson();
        }
        await _client!.WriteAsync(answer, cancellationToken);
    }

    private Stream Capture(HttpResponse client, int status)
    {
        client.StatusCode = status;
        client.ContentType = "application/json";
        client.ContentLength = null;
        return _captured = new Captured();
    }

    private static long? InputTokens(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("inputTokens", out var n)
                && n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out var value) && value >= 0 ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A small answer held until it is complete (bounded: what is past the bound is read and dropped).</summary>
    private sealed class Captured : Stream
    {
        private readonly MemoryStream _bytes = new();

        public ReadOnlySpan<byte> Bytes => _bytes.GetBuffer().AsSpan(0, (int)_bytes.Length);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var room = MaxCaptured - (int)_bytes.Length;
            if (room > 0)
                _bytes.Write(buffer.Span[..Math.Min(room, buffer.Length)]);
            return ValueTask.CompletedTask;
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _bytes.Length;
        public override long Position { get => _bytes.Length; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
