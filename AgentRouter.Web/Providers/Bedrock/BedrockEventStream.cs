using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Amazon.Runtime.EventStreams;
using Amazon.Runtime.EventStreams.Internal;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Takes Bedrock's <c>application/vnd.amazon.eventstream</c> answer as the forwarder copies it (frames decoded,
/// CRCs checked, by AWSSDK.Core's event-stream decoder) and writes the Anthropic SSE stream the client expects: each
/// <c>chunk</c> event's base64 payload is the JSON of one Anthropic event, written as <c>event: &lt;type&gt;</c> and
/// <c>data: &lt;json&gt;</c>, frame by frame as they arrive, never the whole answer. An exception event becomes an SSE
/// <c>error</c> event, or, when it is the first thing Bedrock says, an error answer with its own status.</summary>
public sealed class BedrockEventStream : Gateway.WriteOnlyStream
{
    private readonly Stream _client;
    private readonly HttpResponse _response;
    private readonly string _accountName;
    private readonly ILogger _logger;
    private readonly EventStreamDecoder _decoder = new();
    private readonly Queue<EventStreamMessage> _messages = new();
    private byte[] _output = [];
    private int _outputLength;
    private bool _written;
    private bool _failed;

    // Usage as the Anthropic events report it, and as Bedrock's invocation metrics do (the cross-check).
    private long? _eventInput;
    private long? _eventOutput;
    private long? _metricsInput;
    private long? _metricsOutput;

    /// <param name="client">Where the SSE goes (the usage tap, then the client).</param>
    /// <param name="response">The client's response, whose status and content type a first-frame exception sets.</param>
    public BedrockEventStream(Stream client, HttpResponse response, string accountName, ILogger logger)
    {
        _client = client;
        _response = response;
        _accountName = accountName;
        _logger = logger;
        _decoder.MessageReceived += (_, received) => _messages.Enqueue(received.Message);
    }

    /// <summary>Whether Bedrock's <c>amazon-bedrock-invocationMetrics</c> agreed with the usage the events reported;
    /// null until both were seen.</summary>
    public bool? MetricsAgree => _metricsInput is null || _eventInput is null ? null
        : _metricsInput == _eventInput && _metricsOutput == _eventOutput;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_failed || buffer.IsEmpty)
            return;
        try
        {
            // AWSSDK.Core 4.1.0's decoder reads ProcessData's last argument as where to stop, not as a count, so data
            // is always handed over from index 0 (as the forwarder's own buffer holds it), where both readings agree.
            if (MemoryMarshal.TryGetArray(buffer, out var segment) && segment.Offset == 0)
                _decoder.ProcessData(segment.Array!, 0, segment.Count);
            else
                _decoder.ProcessData(buffer.ToArray(), 0, buffer.Length);
        }
        catch (Exception ex) when (ex is EventStreamChecksumFailureException or EventStreamValidationException or EventStreamDecoderIllegalStateException or InvalidOperationException or ArgumentException)
        {
            // A corrupt frame (a CRC that does not match): nothing after it can be trusted.
            _logger.LogWarning("Amazon Bedrock's event stream for account '{Account}' could not be decoded: {Reason}", _accountName, ex.Message);
            _messages.Clear();
            WriteError(new BedrockError(502, "api_error", "Amazon Bedrock's event stream could not be decoded."));
            _failed = true;
        }
        while (!_failed && _messages.TryDequeue(out var message))
        {
            if (!_written && _outputLength == 0 && !_response.HasStarted && ExceptionOf(message) is { } first)
            {
                // Nothing has reached the client yet: the error can still be an answer of its own, with its status.
                _failed = true;
                _response.StatusCode = first.Status;
                _response.ContentType = "application/json";
                Append(first.ToAnthropicJson());
                break;
            }
            Translate(message);
        }
        if (_outputLength > 0)
        {
            _written = true;
            await _client.WriteAsync(_output.AsMemory(0, _outputLength), cancellationToken);
            _outputLength = 0;
        }
    }

    /// <summary>Only once something was written: a flush before that would start the answer, and a first-frame
    /// exception could no longer choose its status.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => _written ? _client.FlushAsync(cancellationToken) : Task.CompletedTask;

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
        // Most events are content deltas: only their type is read. The few that carry usage are parsed, as is one
        // with raw line breaks between its tokens (SSE data is one line: it is written again, compactly).
        var name = TypeOf(json);
        if (name is null)
        {
            _logger.LogWarning("Amazon Bedrock sent account '{Account}' a chunk that is not an Anthropic event.", _accountName);
            return;
        }
        var multiline = json.AsSpan().IndexOfAny((byte)'\n', (byte)'\r') >= 0;
        var data = json;
        if (multiline || name is "message_start" or "message_delta" or "message_stop")
        {
            using var document = Parse(json);
            if (document is null)
            {
                _logger.LogWarning("Amazon Bedrock sent account '{Account}' a chunk that is not an Anthropic event.", _accountName);
                return;
            }
            Observe(name, document.RootElement);
            if (multiline)
                data = Compact(document.RootElement);
        }
        Append("event: "u8);
        Append(Encoding.UTF8.GetBytes(name));
        Append("\ndata: "u8);
        Append(data);
        Append("\n\n"u8);
        if (name == "message_stop")
            CrossCheck();
    }

    /// <summary>The top-level <c>type</c> of an event's JSON object, or null when it is not one.</summary>
    private static string? TypeOf(byte[] json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType)
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } type
                        && type.AsSpan().IndexOfAny('\n', '\r') < 0 ? type : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return null;
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

    private void Append(ReadOnlySpan<byte> data) => PooledBytes.Append(ref _output, ref _outputLength, data);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decoder.Dispose();
            if (_output.Length > 0)
                ArrayPool<byte>.Shared.Return(_output);
            _output = [];
        }
        base.Dispose(disposing);
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();
}
