using System.Buffers;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace AgentRouter.Web.Gateway;

/// <summary>Pipeline step 6: wraps the client's response body and reads the provider's usage from the bytes as
/// they pass, without holding the answer back. Server-sent events are parsed line by line (only lines that
/// mention usage are parsed as JSON); a JSON answer is copied aside and parsed once it has been sent.</summary>
/// <remarks>When the gateway asked OpenAI for a usage chunk the client did not ask for, events are released
/// one whole event at a time so that chunk can be withheld. An answer the provider compressed (although the gateway
/// asks for <c>identity</c>) passes to the client as it came, and a copy is decoded for reading once it has passed.
/// <see cref="Problem"/> says why the usage of a successful answer is not exact: the stream carried an error event
/// or ended before its last event, or the answer reported no usage, or could not be read.</remarks>
public sealed class UsageTap(Stream inner, HttpResponse response, ApiDialect dialect, bool withholdUsageChunk) : WriteOnlyStream
{
    /// <summary>Most of a JSON answer kept for parsing; larger answers are passed through unparsed.</summary>
    private const int MaxJsonCopy = 16 * 1024 * 1024;

    /// <summary>Longest single SSE event held for parsing.</summary>
    private const int MaxEvent = 4 * 1024 * 1024;

    /// <summary>Most of a compressed answer kept for decoding, and most it may decode to.</summary>
    private const int MaxEncodedCopy = 16 * 1024 * 1024;
    private const int MaxDecoded = 64 * 1024 * 1024;

    private enum Mode { Undecided, EventStream, Json, Encoded, Opaque }

    private Mode _mode;
    private byte[] _pending = [];
    private int _pendingLength;
    private int _scanned;
    private int _eventStart;
    private bool _dropEvent;

    private TokenUsage _usage;
    private bool _completed;
    private bool _errorEvent;
    private bool _unparseable;
    private bool _undecodable;
    private bool _encodedEventStream;

    /// <summary>What the provider has reported so far.</summary>
    public TokenUsage Usage => _usage;

    /// <summary><see cref="Stopwatch"/> timestamp of the first byte written to the client, or 0.</summary>
    public long FirstByteTimestamp { get; private set; }

    public bool IsEventStream => _mode == Mode.EventStream || _encodedEventStream;

    /// <summary>Once <see cref="CompleteAsync"/> has run: why the answer's usage is not exact and complete, as one of
    /// <see cref="UsageErrors"/>; null when the provider reported it in full. Meaningful for successful answers only.</summary>
    public string? Problem =>
        _errorEvent ? UsageErrors.UpstreamStreamError
        : _undecodable ? UsageErrors.UsageUndecodable
        : _unparseable ? UsageErrors.UsageUnparseable
        : IsEventStream && !_completed ? UsageErrors.StreamTruncated
        : !_usage.Reported ? UsageErrors.UsageMissing
        : null;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_mode == Mode.Undecided)
            Decide();
        switch (_mode)
        {
            case Mode.EventStream when withholdUsageChunk:
                Append(buffer.Span);
                var release = ScanEvents();
                if (release.Length > 0)
                {
                    MarkFirstByte();
                    await inner.WriteAsync(release, cancellationToken);
                }
                if (_pendingLength - _eventStart > MaxEvent)
                {
                    // A runaway event cannot be the small usage chunk: release it and stop holding events back.
                    await inner.WriteAsync(_pending.AsMemory(_eventStart, _pendingLength - _eventStart), cancellationToken);
                    withholdUsageChunk = false;
                    _scanned = _eventStart = _pendingLength;
                }
                Compact(keepFrom: _eventStart);
                return;
            case Mode.EventStream:
                Append(buffer.Span);
                ScanEvents();
                Compact(keepFrom: _scanned);
                break;
            case Mode.Json:
                if (_pendingLength + buffer.Length <= MaxJsonCopy)
                    Append(buffer.Span);
                else
                    _mode = Mode.Opaque;
                break;
            case Mode.Encoded:
                if (_pendingLength + buffer.Length <= MaxEncodedCopy)
                    Append(buffer.Span);
                else
                    (_mode, _undecodable) = (Mode.Opaque, true);
                break;
        }
        MarkFirstByte();
        await inner.WriteAsync(buffer, cancellationToken);
    }

    /// <summary>Called once the forwarder is done: parses a JSON answer and releases anything still held.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_mode == Mode.Encoded)
            Decode();
        if (_mode == Mode.Json)
            ParseJsonAnswer(_pending.AsMemory(0, _pendingLength));
        else if (_mode == Mode.EventStream && withholdUsageChunk && _pendingLength > _eventStart && !_dropEvent)
            await inner.WriteAsync(_pending.AsMemory(_eventStart, _pendingLength - _eventStart), cancellationToken);
        ReturnBuffer();
    }

    private void Decide()
    {
        _mode = response.Headers.ContentEncoding.Count > 0 && !IsIdentity(response.Headers.ContentEncoding.ToString()) ? Mode.Encoded : ModeOf(response.ContentType);
        if (_mode != Mode.EventStream)
            withholdUsageChunk = false;
    }

    private static Mode ModeOf(string? contentType) =>
        contentType is null ? Mode.Opaque
        : contentType.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) ? Mode.EventStream
        : contentType.Contains("json", StringComparison.OrdinalIgnoreCase) ? Mode.Json
        : Mode.Opaque;

    private static bool IsIdentity(string encoding) => encoding.Trim().Equals("identity", StringComparison.OrdinalIgnoreCase);

    /// <summary>Decodes the copy of a compressed answer, then reads it as its content type says.</summary>
    private void Decode()
    {
        Stream? decoder = response.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant() switch
        {
            "gzip" or "x-gzip" => new GZipStream(new MemoryStream(_pending, 0, _pendingLength), CompressionMode.Decompress),
            "deflate" => new ZLibStream(new MemoryStream(_pending, 0, _pendingLength), CompressionMode.Decompress),
            "br" => new BrotliStream(new MemoryStream(_pending, 0, _pendingLength), CompressionMode.Decompress),
            _ => null,
        };
        _mode = Mode.Opaque;
        if (decoder is null)
        {
            _undecodable = true;
            return;
        }
        var decoded = new MemoryStream();
        try
        {
            using (decoder)
            {
                var chunk = new byte[81920];
                int read;
                while ((read = decoder.Read(chunk)) > 0)
                {
                    if (decoded.Length + read > MaxDecoded)
                        throw new InvalidDataException("The decoded answer is too large to read.");
                    decoded.Write(chunk, 0, read);
                }
            }
        }
        catch (InvalidDataException)
        {
            _undecodable = true;
            return;
        }
        _pendingLength = 0;
        _scanned = _eventStart = 0;
        Append(decoded.GetBuffer().AsSpan(0, (int)decoded.Length));
        _mode = ModeOf(response.ContentType);
        if (_mode == Mode.EventStream)
        {
            // Already passed to the client as it came: only read, with a final line break so the last line counts.
            _encodedEventStream = true;
            Append("\n"u8);
            ScanEvents();
        }
    }

    private void MarkFirstByte()
    {
        if (FirstByteTimestamp == 0)
            FirstByteTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>Consumes complete lines; returns the bytes of the complete events that may be released.</summary>
    private ReadOnlyMemory<byte> ScanEvents()
    {
        var releaseStart = _eventStart;
        var output = 0;
        while (true)
        {
            var newline = _pending.AsSpan(_scanned, _pendingLength - _scanned).IndexOf((byte)'\n');
            if (newline < 0)
                break;
            var lineEnd = _scanned + newline;
            var line = _pending.AsSpan(_scanned, newline).TrimEnd((byte)'\r');
            _scanned = lineEnd + 1;
            if (line.IsEmpty)
            {
                // End of an event. When withholding, kept events are compacted in place for release.
                var length = _scanned - _eventStart;
                if (withholdUsageChunk && !_dropEvent)
                {
                    _pending.AsSpan(_eventStart, length).CopyTo(_pending.AsSpan(releaseStart + output));
                    output += length;
                }
                _eventStart = _scanned;
                _dropEvent = false;
            }
            else if (line.StartsWith("data:"u8))
            {
                var data = line[5..].TrimStart((byte)' ');
                if (data.SequenceEqual("[DONE]"u8))
                    _completed = true;
                else if (MayCarryUsage(data) || MayEndOrFail(data))
                    _dropEvent |= Observe(data) && withholdUsageChunk;
            }
            else if (line.StartsWith("event:"u8))
            {
                var name = line[6..].Trim((byte)' ');
                if (name.SequenceEqual("message_stop"u8) || name.SequenceEqual("response.completed"u8) || name.SequenceEqual("response.incomplete"u8))
                    _completed = true;
                else if (name.SequenceEqual("error"u8) || name.SequenceEqual("response.failed"u8))
                    _errorEvent = true;
            }
        }
        return _pending.AsMemory(releaseStart, output);
    }

    /// <summary>Whether a data line may report usage. OpenAI puts <c>"usage":null</c> on every chunk of a stream that
    /// asked for usage; a line whose every mention is exactly that reports nothing (parsing it would change nothing) and
    /// is not parsed: bench/Micro measured ~7 µs per such chunk, 50 of them per answer.</summary>
    internal static bool MayCarryUsage(ReadOnlySpan<byte> line)
    {
        for (var at = line.IndexOf("usage"u8); at >= 0; )
        {
            if (!line[at..].StartsWith("usage\":null"u8) || at == 0 || line[at - 1] != (byte)'"' || (at >= 2 && line[at - 2] == (byte)'\\'))
                return true;
            var next = line[(at + 5)..].IndexOf("usage"u8);
            at = next < 0 ? -1 : at + 5 + next;
        }
        return false;
    }

    /// <summary>Whether a data line may be an error event or a provider's last event (the quotes around names are
    /// JSON's own, so text inside a string value, where they are escaped, does not match).</summary>
    private static bool MayEndOrFail(ReadOnlySpan<byte> data) =>
        data.IndexOf("\"error\""u8) >= 0 || data.IndexOf("\"finishReason\""u8) >= 0 || data.IndexOf("\"message_stop\""u8) >= 0;

    private bool Observe(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            ObserveEnd(root);
            return _usage.Apply(dialect, root);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // An event we cannot read is passed on all the same: observing must never break the stream.
            return false;
        }
    }

    /// <summary>Notes an error event (<c>{"type":"error"}</c>, or a top-level <c>error</c> object in OpenAI's and
    /// Google's streams) and a provider's last event (Anthropic's <c>message_stop</c>, Gemini's <c>finishReason</c>).</summary>
    private void ObserveEnd(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return;
        if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            _errorEvent = true;
        if (root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String)
        {
            if (type.ValueEquals("error"u8))
                _errorEvent = true;
            else if (type.ValueEquals("message_stop"u8) || type.ValueEquals("response.completed"u8) || type.ValueEquals("response.incomplete"u8))
                _completed = true;
            else if (type.ValueEquals("response.failed"u8))
                _errorEvent = true;
        }
        if (dialect == ApiDialect.Gemini && root.TryGetProperty("candidates", out var candidates) && candidates.ValueKind == JsonValueKind.Array)
        {
            foreach (var candidate in candidates.EnumerateArray())
            {
                if (candidate.ValueKind == JsonValueKind.Object && candidate.TryGetProperty("finishReason", out var reason) && reason.ValueKind == JsonValueKind.String)
                    _completed = true;
            }
        }
    }

    private void ParseJsonAnswer(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Array)
                foreach (var element in document.RootElement.EnumerateArray())
                    _usage.Apply(dialect, element);
            else
                _usage.Apply(dialect, document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            _unparseable = true;
            ParseTruncated(body.Span);
        }
    }

    /// <summary>A cut-off answer (client gone, upstream failed): take the last complete usage object it holds.</summary>
    private void ParseTruncated(ReadOnlySpan<byte> body)
    {
        var key = dialect == ApiDialect.Gemini ? "\"usageMetadata\""u8 : "\"usage\""u8;
        for (var at = body.LastIndexOf(key); at >= 0; at = body[..at].LastIndexOf(key))
        {
            var rest = body[(at + key.Length)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != (byte)':')
                continue;
            try
            {
                var reader = new Utf8JsonReader(rest[1..]);
                using var value = JsonDocument.ParseValue(ref reader);
                var wrapped = Encoding.UTF8.GetBytes($"{{{Encoding.UTF8.GetString(key)}:{value.RootElement.GetRawText()}}}");
                using var document = JsonDocument.Parse(wrapped);
                _usage.Apply(dialect, document.RootElement);
                return;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                // That occurrence was itself cut off; try the one before it.
            }
        }
    }

    private void Append(ReadOnlySpan<byte> data) => PooledBytes.Append(ref _pending, ref _pendingLength, data);

    private void Compact(int keepFrom)
    {
        var keep = _pendingLength - keepFrom;
        if (keep > MaxEvent)
        {
            // A runaway line (already passed through): stop holding it for parsing.
            keepFrom = _pendingLength;
            keep = 0;
            _scanned = _pendingLength;
        }
        if (keepFrom > 0)
        {
            _pending.AsSpan(keepFrom, keep).CopyTo(_pending);
            _scanned = Math.Max(0, _scanned - keepFrom);
            _eventStart = Math.Max(0, _eventStart - keepFrom);
            _pendingLength = keep;
        }
    }

    private void ReturnBuffer()
    {
        if (_pending.Length > 0)
            ArrayPool<byte>.Shared.Return(_pending);
        _pending = [];
        _pendingLength = 0;
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
