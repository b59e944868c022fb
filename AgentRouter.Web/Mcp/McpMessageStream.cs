using System.Buffers;
using System.Text.Json;

namespace AgentRouter.Web.Mcp;

/// <summary>Decides about one JSON-RPC message of an answer: returns replacement bytes (the message rewritten) or null
/// to let the original through unchanged.</summary>
internal delegate byte[]? McpMessageInspector(JsonElement message);

/// <summary>Wraps a response body and hands every JSON-RPC message in it to an inspector as it passes: a JSON answer
/// is one message, an SSE answer one message per event. SSE events are released one by one as soon as each is
/// complete, so notifications stream through; only the event being read is held. Anything else passes untouched.</summary>
internal sealed class McpMessageStream(Stream inner, Func<string?> contentType, McpMessageInspector inspect, int maxMessageBytes) : Gateway.WriteOnlyStream
{
    private enum Mode { Undecided, Json, EventStream, Passthrough }

    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    private readonly ArrayBufferWriter<byte> _pending = new();
    private Mode _mode;
    private int _scanned;

    /// <summary>True once any message was handed to the inspector.</summary>
    public bool SawMessage { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_mode == Mode.Undecided)
            _mode = DecideMode(contentType());
        if (_mode == Mode.Passthrough)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }
        if (_pending.WrittenCount + buffer.Length > maxMessageBytes)
            throw new IOException($"An MCP message exceeded {maxMessageBytes} bytes; the router does not pass messages it cannot inspect.");
        _pending.Write(buffer.Span);
        if (_mode == Mode.EventStream)
            await ReleaseCompleteEventsAsync(cancellationToken);
    }

    /// <summary>Writes what is still held: the JSON answer (inspected) or a last event the server did not terminate.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_pending.WrittenCount == 0)
            return;
        var held = _pending.WrittenMemory;
        if (_mode == Mode.Json)
            await inner.WriteAsync(Inspect(held) ?? held, cancellationToken);
        else
            await WriteEventAsync(held, cancellationToken);
        _pending.Clear();
        await inner.FlushAsync(cancellationToken);
    }

    private static Mode DecideMode(string? type) =>
        type is null ? Mode.Passthrough
        : type.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) ? Mode.EventStream
        : type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ? Mode.Json
        : Mode.Passthrough;

    private async Task ReleaseCompleteEventsAsync(CancellationToken cancellationToken)
    {
        // An event ends at an empty line; lines end with \n or \r\n.
        while (true)
        {
            var span = _pending.WrittenSpan;
            var end = -1;
            var lineStart = _scanned;
            for (var i = _scanned; i < span.Length; i++)
            {
                if (span[i] != (byte)'\n')
                    continue;
                var line = span[lineStart..i];
                if (line.IsEmpty || line is [(byte)'\r'])
                {
                    end = i + 1;
                    break;
                }
                lineStart = i + 1;
            }
            if (end < 0)
            {
                _scanned = lineStart;
                return;
            }
            var remainder = span[end..].ToArray();
            await WriteEventAsync(_pending.WrittenMemory[..end], cancellationToken);
            _pending.Clear();
            _pending.Write(remainder);
            _scanned = 0;
        }
    }

    private async Task WriteEventAsync(ReadOnlyMemory<byte> evt, CancellationToken cancellationToken)
    {
        var lines = SplitLines(evt);
        var data = new ArrayBufferWriter<byte>();
        var dataLines = 0;
        foreach (var line in lines)
        {
            var text = evt.Span[line];
            if (!text.StartsWith("data:"u8))
                continue;
            var value = text[5..];
            if (value is [(byte)' ', ..])
                value = value[1..];
            if (dataLines++ > 0)
                data.Write("\n"u8);
            data.Write(value);
        }
        var replacement = dataLines == 0 ? null : Inspect(data.WrittenMemory);
        if (replacement is null)
        {
            await inner.WriteAsync(evt, cancellationToken);
            return;
        }
        // Same event, its data replaced by the rewritten message on one line (JSON has no raw newlines).
        var rebuilt = new ArrayBufferWriter<byte>(replacement.Length + 64);
        var dataWritten = false;
        foreach (var line in lines)
        {
            var text = evt.Span[line];
            if (text.StartsWith("data:"u8))
            {
                if (dataWritten)
                    continue;
                rebuilt.Write(DataPrefix);
                rebuilt.Write(replacement);
                dataWritten = true;
            }
            else
            {
                rebuilt.Write(text);
            }
            rebuilt.Write("\n"u8);
        }
        rebuilt.Write("\n"u8);
        await inner.WriteAsync(rebuilt.WrittenMemory, cancellationToken);
    }

    /// <summary>The non-empty lines of an event, without their terminators.</summary>
    private static List<Range> SplitLines(ReadOnlyMemory<byte> evt)
    {
        var span = evt.Span;
        var lines = new List<Range>();
        var start = 0;
        for (var i = 0; i <= span.Length; i++)
        {
            if (i < span.Length && span[i] != (byte)'\n')
                continue;
            var stop = i > start && span[i - 1] == (byte)'\r' ? i - 1 : i;
            if (stop > start)
                lines.Add(start..stop);
            start = i + 1;
        }
        return lines;
    }

    private byte[]? Inspect(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            SawMessage = true;
            return inspect(document.RootElement);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
}
