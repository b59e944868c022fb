using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using Amazon.Runtime.EventStreams.Internal;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Reads Bedrock's <c>application/vnd.amazon.eventstream</c> answer (frames decoded, CRCs checked, by
/// AWSSDK.Core's event-stream decoder) and offers it as the Anthropic SSE stream the client expects: each
/// <c>chunk</c> event's base64 payload is the JSON of one Anthropic event, written as <c>event: &lt;type&gt;</c> and
/// <c>data: &lt;json&gt;</c>. Frame by frame as they arrive, never the whole answer. An exception event becomes an SSE
/// <c>error</c> event (or, when it is the first thing Bedrock says, an error answer: see
/// <see cref="ReadFirstAsync"/>).</summary>
public sealed class BedrockEventStream : Stream
{
    private const int ReadSize = 16 * 1024;

    private readonly Stream _upstream;
    private readonly string _accountName;
    private readonly ILogger _logger;
    private readonly EventStreamDecoder _decoder = new();
    private readonly Queue<EventStreamMessage> _messages = new();
    private byte[] _input = ArrayPool<byte>.Shared.Rent(ReadSize);
    private byte[] _output = [];
    private int _outputStart;
    private int _outputLength;
    private bool _ended;
    private bool _failed;

    // Usage as the Anthropic events report it, and as Bedrock's invocation metrics do (the cross-check).
    private long? _eventInput;
    private long? _eventOutput;
    private long? _metricsInput;
    private long? _metricsOutput;

    public BedrockEventStream(Stream upstream, string accountName, ILogger logger)
    {
        _upstream = upstream;
        _accountName = accountName;
        _logger = logger;
        _decoder.MessageReceived += (_, received) => _messages.Enqueue(received.Message);
    }

    /// <summary>Whether Bedrock's <c>amazon-bedrock-invocationMetrics</c> agreed with the usage the events reported;
    /// null until both were seen.</summary>
    public bool? MetricsAgree => _metricsInput is null || _eventInput is null ? null
        : _metricsInput == _eventInput && _metricsOutput == _eventOutput;

    /// <summary>Reads up to the first frame. When it is an exception, returns the error to answer with (the answer has
    /// not started, so it can still carry the right status); otherwise keeps the frame for the client and returns null.</summary>
    public async Task<BedrockError?> ReadFirstAsync(CancellationToken cancellationToken)
    {
        while (_messages.Count == 0 && !_ended)
            await FillAsync(cancellationToken);
        if (_messages.TryPeek(out var first) && ExceptionOf(first) is { } error)
        {
            _messages.Dequeue();
            return error;
        }
        return null;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_outputLength == 0)
        {
            if (_messages.Count == 0)
            {
                if (_ended || _failed)
                    return 0;
                await FillAsync(cancellationToken);
            }
            while (_messages.TryDequeue(out var message) && !_failed)
                Translate(message);
        }
        var count = Math.Min(buffer.Length, _outputLength);
        _output.AsSpan(_outputStart, count).CopyTo(buffer.Span);
        _outputStart += count;
        _outputLength -= count;
        if (_outputLength == 0)
            _outputStart = 0;
        return count;
    }

    /// <summary>Feeds the decoder what the upstream has; at its end, notes it (a frame cut off there is simply never
    /// completed, and the missing <c>message_stop</c> tells the usage tap the answer was truncated).</summary>
    private async Task FillAsync(CancellationToken cancellationToken)
    {
        var read = await _upstream.ReadAsync(_input.AsMemory(0, ReadSize), cancellationToken);
        if (read == 0)
        {
            _ended = true;
            return;
        }
        try
        {
            _decoder.ProcessData(_input, 0, read);
        }
        catch (Exception ex) when (ex is EventStreamChecksumFailureException or EventStreamValidationException or EventStreamDecoderIllegalStateException or InvalidOperationException or ArgumentException)
        {
            // A corrupt frame (a CRC that does not match): nothing after it can be trusted.
            _logger.LogWarning("Amazon Bedrock's event stream for account '{Account}' could not be decoded: {Reason}", _accountName, ex.Message);
            WriteError(new BedrockError(502, "api_error", "Amazon Bedrock's event stream could not be decoded."));
            _failed = true;
        }
    }

    private void Translate(EventStreamMessage message)
    {
        if (ExceptionOf(message) is { } error)
        {
            WriteError(error);
            _failed = true;
            return;
        }
        if (HeaderString(message, ":event-type") != "chunk")
            return;
        var payload = ChunkPayload(message.Payload);
        if (payload is null)
        {
            _logger.LogWarning("Amazon Bedrock sent account '{Account}' a chunk without a payload.", _accountName);
            return;
        }
        WriteEvent(payload);
    }

    /// <summary>The Anthropic event a chunk carries: the base64 <c>bytes</c> of <c>{"bytes":"…","p":"…"}</c>.</summary>
    private static byte[]? ChunkPayload(byte[] payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isBytes = reader.ValueTextEquals("bytes"u8);
                reader.Read();
                if (isBytes && reader.TokenType == JsonTokenType.String)
                    return reader.GetBytesFromBase64();
                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
        }
        return null;
    }

    private void WriteEvent(byte[] json)
    {
        using var document = Parse(json);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            _logger.LogWarning("Amazon Bedrock sent account '{Account}' a chunk that is not an Anthropic event.", _accountName);
            return;
        }
        var name = type.GetString()!;
        Observe(name, document.RootElement);
        // SSE data is one line: a payload with raw line breaks between its tokens is written again, compactly.
        var data = json.AsSpan().IndexOfAny((byte)'\n', (byte)'\r') < 0 ? json : Compact(document.RootElement);
        Append("event: "u8);
        Append(Encoding.UTF8.GetBytes(name));
        Append("\ndata: "u8);
        Append(data);
        Append("\n\n"u8);
        if (name == "message_stop")
            CrossCheck();
    }

    private void WriteError(BedrockError error)
    {
        Append("event: error\ndata: "u8);
        Append(error.ToAnthropicJson());
        Append("\n\n"u8);
    }

    /// <summary>Notes the usage the events report (<c>message_start</c>'s input, <c>message_delta</c>'s cumulative
    /// output) and the invocation metrics Bedrock adds to the last event.</summary>
    private void Observe(string type, JsonElement root)
    {
        switch (type)
        {
            case "message_start" when root.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                                      && message.TryGetProperty("usage", out var startUsage):
                _eventInput = Number(startUsage, "input_tokens") ?? _eventInput;
                _eventOutput = Number(startUsage, "output_tokens") ?? _eventOutput;
                break;
            case "message_delta" when root.TryGetProperty("usage", out var deltaUsage):
                _eventInput = Number(deltaUsage, "input_tokens") ?? _eventInput;
                _eventOutput = Number(deltaUsage, "output_tokens") ?? _eventOutput;
                break;
            case "message_stop" when root.TryGetProperty("amazon-bedrock-invocationMetrics", out var metrics):
                _metricsInput = Number(metrics, "inputTokenCount");
                _metricsOutput = Number(metrics, "outputTokenCount");
                break;
        }
    }

    private void CrossCheck()
    {
        if (MetricsAgree == false)
            _logger.LogWarning(
                "Amazon Bedrock's invocation metrics for account '{Account}' ({MetricsInput} in, {MetricsOutput} out) disagree with its events' usage ({EventInput} in, {EventOutput} out); the events' usage is recorded.",
                _accountName, _metricsInput, _metricsOutput, _eventInput, _eventOutput);
    }

    private static long? Number(JsonElement usage, string name) =>
        usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    /// <summary>An exception (<c>:message-type</c> <c>exception</c>, named by <c>:exception-type</c>, with a JSON
    /// <c>message</c>) or an error frame (<c>error</c>, with <c>:error-code</c> and <c>:error-message</c>).</summary>
    private BedrockError? ExceptionOf(EventStreamMessage message) => HeaderString(message, ":message-type") switch
    {
        "exception" => BedrockErrors.Map(HeaderString(message, ":exception-type"), 500, BedrockErrors.MessageOf(message.Payload), _accountName),
        "error" => BedrockErrors.Map(HeaderString(message, ":error-code"), 500, HeaderString(message, ":error-message"), _accountName),
        _ => null,
    };

    private static string? HeaderString(EventStreamMessage message, string name) =>
        message.Headers.TryGetValue(name, out var header) && header.HeaderType == EventStreamHeaderType.String ? header.AsString() : null;

    private static JsonDocument? Parse(byte[] json)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] Compact(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            element.WriteTo(json);
        return buffer.WrittenSpan.ToArray();
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_outputStart > 0 && _outputLength == 0)
            _outputStart = 0;
        var end = _outputStart + _outputLength;
        if (_outputStart > 0)
        {
            _output.AsSpan(_outputStart, _outputLength).CopyTo(_output);
            _outputStart = 0;
            end = _outputLength;
        }
        PooledBytes.Append(ref _output, ref end, data);
        _outputLength = end;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _upstream.Dispose();
            _decoder.Dispose();
            if (_input.Length > 0)
                ArrayPool<byte>.Shared.Return(_input);
            if (_output.Length > 0)
                ArrayPool<byte>.Shared.Return(_output);
            _input = _output = [];
        }
        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
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
