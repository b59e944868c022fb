using System.Text;
using System.Text.Json;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Translation;

/// <summary>Turns the upstream's answer into the caller's dialect as it passes. A stream is translated event by
/// event as its lines arrive (only a partial line is held); a whole JSON answer, which cannot be translated in part,
/// is translated once complete; an upstream error is answered in the caller's error shape with the upstream's status.
/// Sits inside the usage tap, which still reads the upstream's own usage.</summary>
internal sealed class TranslatingStream(Stream inner, HttpContext context, Translation translation) : Gateway.WriteOnlyStream
{
    /// <summary>Most of a whole answer (or an error) held for translation.</summary>
    private const int MaxWhole = 16 * 1024 * 1024;

    /// <summary>Longest single line of an upstream stream.</summary>
    private const int MaxLine = 4 * 1024 * 1024;

    private enum Mode { Undecided, Stream, Whole, Error }

    private readonly HttpResponse _response = context.Response;
    private readonly List<StreamEvent> _events = [];
    private readonly StringBuilder _output = new();
    private Mode _mode;
    private byte[] _pending = [];
    private int _length;
    private IStreamDecoder? _decoder;
    private IStreamEncoder? _encoder;
    private bool _finished;
    private bool _ended;

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_mode == Mode.Undecided)
            Decide();
        if (_mode != Mode.Stream)
        {
            if (_length + buffer.Length > MaxWhole)
                throw new IOException("The provider's answer is too large to translate.");
            PooledBytes.Append(ref _pending, ref _length, buffer.Span);
            return;
        }
        PooledBytes.Append(ref _pending, ref _length, buffer.Span);
        var consumed = 0;
        while (true)
        {
            var newline = _pending.AsSpan(consumed, _length - consumed).IndexOf((byte)'\n');
            if (newline < 0)
                break;
            Line(_pending.AsSpan(consumed, newline).TrimEnd((byte)'\r'));
            consumed += newline + 1;
        }
        _pending.AsSpan(consumed, _length - consumed).CopyTo(_pending);
        _length -= consumed;
        if (_length > MaxLine)
            throw new IOException("A line of the provider's stream is too long to translate.");
        await FlushOutputAsync(cancellationToken);
    }

    /// <summary>Decides from the upstream's status and type how to translate, and sets the caller's headers before
    /// anything is written: the length changes, and the type may.</summary>
    private void Decide()
    {
        var status = _response.StatusCode;
        var upstreamType = _response.ContentType ?? "";
        _response.ContentLength = null;
        if (status is < 200 or >= 300)
            _mode = Mode.Error;
        else if (!translation.IsCount && translation.Request.Stream && upstreamType.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            _mode = Mode.Stream;
            _decoder = translation.NewStreamDecoder();
            _encoder = translation.NewStreamEncoder();
            _response.ContentType = _encoder.ContentType;
            return;
        }
        else
            _mode = Mode.Whole;
        _response.ContentType = translation.Request.Stream && _mode == Mode.Whole && !translation.IsCount
            ? translation.NewStreamEncoder().ContentType : "application/json";
    }

    private void Line(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8))
            return;
        var data = line[5..].TrimStart((byte)' ');
        if (data.SequenceEqual("[DONE]"u8))
        {
            End();
            return;
        }
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            _decoder!.Decode(document.RootElement, _events);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            _events.Add(new ErrorEvent("The provider sent an event the gateway could not translate."));
        }
        Encode();
    }

    private void End()
    {
        if (_ended)
            return;
        _ended = true;
        _decoder!.End(_events);
        Encode();
        _encoder!.End(_output, _finished);
    }

    private void Encode()
    {
        foreach (var streamEvent in _events)
        {
            _finished |= streamEvent is FinishEvent;
            _encoder!.Encode(streamEvent, _output);
        }
        _events.Clear();
    }

    private async Task FlushOutputAsync(CancellationToken cancellationToken)
    {
        if (_output.Length == 0)
            return;
        var bytes = Encoding.UTF8.GetBytes(_output.ToString());
        _output.Clear();
        await inner.WriteAsync(bytes, cancellationToken);
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_mode == Mode.Undecided)
                Decide();
            switch (_mode)
            {
                case Mode.Stream:
                    if (_length > 0)
                        Line(_pending.AsSpan(0, _length).TrimEnd((byte)'\r'));
                    End();
                    await FlushOutputAsync(cancellationToken);
                    break;
                case Mode.Whole:
                    await WriteWholeAsync(cancellationToken);
                    break;
                case Mode.Error:
                    await UpstreamError().WriteBodyAsync(inner, translation.ClientDialect, context.TraceIdentifier);
                    break;
            }
        }
        finally
        {
            if (_pending.Length > 0)
                System.Buffers.ArrayPool<byte>.Shared.Return(_pending);
            _pending = [];
        }
    }

    private async Task WriteWholeAsync(CancellationToken cancellationToken)
    {
        byte[] answer;
        try
        {
            using var document = JsonDocument.Parse(_pending.AsMemory(0, _length));
            answer = translation.Request.Stream && !translation.IsCount
                ? Encoding.UTF8.GetBytes(translation.TranslateAnswerAsStream(document.RootElement))
                : translation.TranslateAnswer(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException or NotTranslatableException)
        {
            if (!_response.HasStarted)
            {
                _response.StatusCode = StatusCodes.Status502BadGateway;
                _response.ContentType = "application/json";
            }
            await GatewayError.BadGateway("The provider's answer could not be translated.").WriteBodyAsync(inner, translation.ClientDialect, context.TraceIdentifier);
            return;
        }
        await inner.WriteAsync(answer, cancellationToken);
    }

    /// <summary>The upstream's error in the caller's shape: the provider's message under the provider's status.</summary>
    private GatewayError UpstreamError()
    {
        var status = _response.StatusCode;
        var message = Encoding.UTF8.GetString(_pending, 0, Math.Min(_length, 2000));
        try
        {
            using var document = JsonDocument.Parse(_pending.AsMemory(0, _length));
            var root = document.RootElement.ValueKind == JsonValueKind.Array && document.RootElement.GetArrayLength() > 0 ? document.RootElement[0] : document.RootElement;
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var text))
                message = text.GetString() ?? message;
        }
        catch (JsonException)
        {
            // Not JSON: the text itself (cut short) is the message.
        }
        var kind = status switch
        {
            400 or 422 => ErrorKind.InvalidRequest,
            401 => ErrorKind.Authentication,
            403 => ErrorKind.Permission,
            404 => ErrorKind.NotFound,
            413 => ErrorKind.TooLarge,
            429 => ErrorKind.RateLimited,
            503 or 529 => ErrorKind.Unavailable,
            _ => ErrorKind.Upstream,
        };
        return new GatewayError(status, kind, $"{translation.Upstream.Name} upstream answered: {message}");
    }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _mode == Mode.Stream ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;
}
