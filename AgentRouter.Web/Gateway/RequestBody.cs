using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRouter.Web.Gateway;

/// <summary>A request body read into a pooled buffer, with the facts the gateway decides on, read once and strictly
/// so that the gateway and the provider cannot disagree about what the body means.</summary>
public sealed class RequestBody : IDisposable
{
    /// <summary>Most answers one request may ask for (OpenAI's own ceiling for <c>n</c>).</summary>
    public const int MaxChoices = 128;

    /// <summary>Most properties in one object the gateway reads; real requests have a few dozen.</summary>
    private const int MaxProperties = 512;

    private byte[] _buffer;
    private Range? _modelToken;
    private Range? _streamOptionsValue;
    private int _objectStart;

    // What an earlier Rewrite left in the buffer, so a failover attempt to another target can rewrite again.
    private string? _writtenModel;
    private bool _usageRequested;
    private (byte[] Buffer, int Length, Range? Model, Range? StreamOptions, string? WrittenModel, bool UsageRequested)? _beforeAdoption;
    private long? _maxTokens, _maxCompletionTokens;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>The <c>model</c> string, when the body names one.</summary>
    public string? Model { get; private set; }

    /// <summary>The <c>stream</c> flag.</summary>
    public bool Stream { get; private set; }

    /// <summary>The output limit the request sets in its dialect's own field, when it sets one.</summary>
    public long? OutputLimit { get; private set; }

    /// <summary>The name of the field that set <see cref="OutputLimit"/>, for messages.</summary>
    public string? OutputLimitField { get; private set; }

    /// <summary>How many answers the request asks for (OpenAI's <c>n</c>, Gemini's <c>candidateCount</c>); 1 unless set.</summary>
    public int Choices { get; private set; } = 1;

    /// <summary>Whether an OpenAI caller asked for the usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; private set; }

    /// <summary>A body the gateway wrote itself (a translated request), to be read and sent like a caller's.</summary>
    public static RequestBody FromBytes(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        return new RequestBody(buffer, bytes.Length);
    }

    /// <summary>Reads the whole body, refusing it past <paramref name="limit"/> bytes.</summary>
    public static async Task<(RequestBody? Body, GatewayError? Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
            return (null, GatewayError.TooLarge(limit));
        // The gateway enforces its own limit; Kestrel's default (30 MB) must not cut in first.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = limit + 1;

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, Math.Min(1024, limit + 1), limit + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    break;
                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, GatewayError.TooLarge(limit));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The server's own limit (a chunked body past limit + 1 in one read): the same refusal as ours.
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, GatewayError.TooLarge(limit));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return (new RequestBody(buffer, length), null);
    }

    /// <summary>Reads the body once, strictly, for the fields <paramref name="schema"/> says the gateway acts on.
    /// The body must be one JSON object with nothing after it; names are compared after unescaping; a name that
    /// appears twice (also in another letter case or with other underscores) in the top-level object or in an object
    /// the gateway reads is refused, as is an acted-on field of the wrong type or an output limit that is not a
    /// positive whole number. Everything else is skipped unparsed and forwarded byte for byte.</summary>
    public GatewayError? Inspect(RequestSchema schema)
    {
        try
        {
            var reader = new Utf8JsonReader(Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return GatewayError.InvalidRequest("The request body must be a JSON object.");
            _objectStart = (int)reader.TokenStartIndex;
            if (ReadObject(ref reader, schema, RequestField.None) is { } error)
                return error;
            // Everything after the object must be whitespace only.
            if (reader.Read())
                return GatewayError.InvalidRequest("The request body is not valid JSON: unexpected data after the JSON object.");
            return _maxTokens is not null && _maxCompletionTokens is not null
                ? GatewayError.InvalidRequest("Set only one of \"max_tokens\" and \"max_completion_tokens\".")
                : null;
        }
        catch (JsonException ex)
        {
            return GatewayError.InvalidRequest($"The request body is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Rewrites the body in place of the original: the pinned model id, and, when the gateway needs the
    /// provider to report usage on a stream, <c>stream_options.include_usage</c> set to true (the gateway owns that
    /// flag; the caller's other stream options are kept). Everything else stays byte for byte.</summary>
    public void Rewrite(string? upstreamModel, bool requestStreamUsage)
    {
        List<(Range At, byte[] With)> edits = [];
        if (upstreamModel is not null && _modelToken is { } model && upstreamModel != (_writtenModel ?? Model))
            edits.Add((model, JsonSerializer.SerializeToUtf8Bytes(upstreamModel)));
        if (requestStreamUsage && !IncludeUsage && !_usageRequested)
        {
            if (_streamOptionsValue is { } options)
            {
                // Read strictly already (no duplicate names), so any parser agrees on the members kept.
                var merged = JsonNode.Parse(Span[options]) as JsonObject ?? [];
                merged["include_usage"] = true;
                edits.Add((options, JsonSerializer.SerializeToUtf8Bytes(merged)));
            }
            else
                edits.Add(((_objectStart + 1)..(_objectStart + 1), Length - _objectStart > 2 && HasMembers
                    ? "\"stream_options\":{\"include_usage\":true},"u8.ToArray()
                    : "\"stream_options\":{\"include_usage\":true}"u8.ToArray()));
        }
        if (edits.Count == 0)
            return;

        edits.Sort((a, b) => a.At.Start.Value.CompareTo(b.At.Start.Value));
        var newLength = Length + edits.Sum(e => e.With.Length - (e.At.End.Value - e.At.Start.Value));
        var output = ArrayPool<byte>.Shared.Rent(newLength);
        int read = 0, written = 0;
        foreach (var (at, with) in edits)
        {
            Span[read..at.Start.Value].CopyTo(output.AsSpan(written));
            written += at.Start.Value - read;
            with.CopyTo(output.AsSpan(written));
            written += with.Length;
            read = at.End.Value;
        }
        Span[read..].CopyTo(output.AsSpan(written));
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = output;
        Length = newLength;
        if (_modelToken is { } token)
            _modelToken = Moved(token, edits);
        _streamOptionsValue = null;
        _writtenModel = upstreamModel ?? _writtenModel;
        _usageRequested |= requestStreamUsage;
    }

    /// <summary>Where a token stands after <paramref name="edits"/> (sorted, original positions): the replacement itself
    /// when an edit replaced it, else shifted by the edits before it.</summary>
    private static Range Moved(Range token, List<(Range At, byte[] With)> edits)
    {
        var shift = 0;
        foreach (var (at, with) in edits)
        {
            if (at.Start.Value == token.Start.Value && at.End.Value == token.End.Value)
                return (token.Start.Value + shift)..(token.Start.Value + shift + with.Length);
            if (at.End.Value <= token.Start.Value)
                shift += with.Length - (at.End.Value - at.Start.Value);
        }
        return (token.Start.Value + shift)..(token.End.Value + shift);
    }

    /// <summary>Swaps in a body an adapter built for its upstream (e.g. Vertex AI's Claude body), in a buffer rented from
    /// <see cref="ArrayPool{T}.Shared"/> that this body now owns; the facts <see cref="Inspect"/> read stay as read. The
    /// body as it was is kept until <see cref="Restore"/> or disposal, for a failover target of another kind.</summary>
    public void Adopt(byte[] pooledBuffer, int length)
    {
        if (_beforeAdoption is null)
            _beforeAdoption = (_buffer, Length, _modelToken, _streamOptionsValue, _writtenModel, _usageRequested);
        else
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = pooledBuffer;
        Length = length;
        // Their ranges pointed into the body that was replaced.
        _modelToken = _streamOptionsValue = null;
    }

    /// <summary>Undoes an adapter's whole-body replacement (<see cref="Adopt"/>), so the next failover target starts from
    /// the body as read (with only in-place rewrites); nothing to undo otherwise.</summary>
    public void Restore()
    {
        if (_beforeAdoption is not { } before)
            return;
        ArrayPool<byte>.Shared.Return(_buffer);
        (_buffer, Length, _modelToken, _streamOptionsValue, _writtenModel, _usageRequested) = before;
        _beforeAdoption = null;
    }

    /// <summary>Replaces the whole body with a copy of an adapter's own encoding of it (Bedrock's body shape).</summary>
    public void Replace(ReadOnlySpan<byte> content)
    {
        var output = ArrayPool<byte>.Shared.Rent(Math.Max(content.Length, 1));
        content.CopyTo(output);
        Adopt(output, content.Length);
    }

    public Stream AsStream() => new MemoryStream(_buffer, 0, Length, writable: false);

    public override string ToString() => Encoding.UTF8.GetString(Span);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
        if (_beforeAdoption is { } before)
        {
            _beforeAdoption = null;
            ArrayPool<byte>.Shared.Return(before.Buffer);
        }
    }

    /// <summary>Whether the top-level object has any member (so an inserted one needs a comma after it).</summary>
    private bool HasMembers => Span[(_objectStart + 1)..].TrimStart(" \t\r\n"u8) is { Length: > 0 } rest && rest[0] != (byte)'}';

    /// <summary>Reads the members of the object the reader stands at the start of, up to and including its end.</summary>
    private GatewayError? ReadObject(ref Utf8JsonReader reader, RequestSchema schema, RequestField parent)
    {
        var fields = schema.FieldsOf(parent);
        var names = new NameSet();
        Span<byte> scratch = stackalloc byte[256];
        try
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Names are compared unescaped (unescaped text is never longer than the escaped form).
                scoped ReadOnlySpan<byte> name = reader.ValueSpan;
                byte[]? rented = null;
                if (reader.ValueIsEscaped)
                {
                    var buffer = reader.ValueSpan.Length <= scratch.Length ? scratch : rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                    name = buffer[..reader.CopyString(buffer)];
                }
                try
                {
                    if (names.Count == MaxProperties)
                        return GatewayError.InvalidRequest($"The request has more than {MaxProperties} properties in one object.");
                    if (!names.Add(name))
                        return GatewayError.InvalidRequest(
                            $"The request names \"{Printable(name)}\"{Where(parent)} more than once (names are compared after unescaping, ignoring letter case and underscores). Send each field once.");
                    var field = Match(fields, name, out var nearMiss);
                    if (nearMiss is not null)
                        return GatewayError.InvalidRequest($"\"{Printable(name)}\" is not a field of this API; did you mean \"{nearMiss.Name}\"?");
                    reader.Read();
                    if (field is null)
                        reader.Skip();
                    else if (ReadField(ref reader, schema, field) is { } error)
                        return error;
                }
                finally
                {
                    if (rented is not null)
                        ArrayPool<byte>.Shared.Return(rented);
                }
            }
            return null;
        }
        finally
        {
            names.Dispose();
        }
    }

    private GatewayError? ReadField(ref Utf8JsonReader reader, RequestSchema schema, RequestSchema.Field field)
    {
        var token = reader.TokenType;
        switch (field.Kind)
        {
            case RequestField.Model when token == JsonTokenType.String:
                Model = reader.GetString();
                var start = (int)reader.TokenStartIndex;
                _modelToken = start..(start + reader.ValueSpan.Length + 2);
                return string.IsNullOrWhiteSpace(Model) ? WrongType(field, "a non-empty string") : null;
            case RequestField.Stream or RequestField.IncludeUsage when token is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null:
                if (field.Kind == RequestField.Stream)
                    Stream = token == JsonTokenType.True;
                else
                    IncludeUsage = token == JsonTokenType.True;
                return null;
            case RequestField.Stream or RequestField.IncludeUsage:
                return WrongType(field, "true or false");
            case RequestField.MaxTokens or RequestField.MaxCompletionTokens or RequestField.MaxOutputTokens:
                if (token == JsonTokenType.Null)
                    return null;
                if (token != JsonTokenType.Number || !reader.TryGetInt64(out var limit) || limit > int.MaxValue)
                    return WrongType(field, "a whole number of tokens");
                if (limit <= 0)
                    return GatewayError.InvalidRequest($"\"{field.Name}\" must be a positive number of tokens; got {limit}.");
                if (field.Kind == RequestField.MaxTokens)
                    _maxTokens = limit;
                else if (field.Kind == RequestField.MaxCompletionTokens)
                    _maxCompletionTokens = limit;
                (OutputLimit, OutputLimitField) = (limit, field.Name);
                return null;
            case RequestField.Choices:
                if (token == JsonTokenType.Null)
                    return null;
                if (token != JsonTokenType.Number || !reader.TryGetInt32(out var choices) || choices is < 1 or > MaxChoices)
                    return GatewayError.InvalidRequest($"\"{field.Name}\" must be a whole number from 1 to {MaxChoices}.");
                Choices = choices;
                return null;
            case RequestField.StreamOptions or RequestField.GenerationConfig when token == JsonTokenType.Null:
                if (field.Kind == RequestField.StreamOptions)
                    _streamOptionsValue = (int)reader.TokenStartIndex..(int)reader.BytesConsumed;
                return null;
            case RequestField.StreamOptions or RequestField.GenerationConfig when token == JsonTokenType.StartObject:
                var valueStart = (int)reader.TokenStartIndex;
                if (ReadObject(ref reader, schema, field.Kind) is { } error)
                    return error;
                if (field.Kind == RequestField.StreamOptions)
                    _streamOptionsValue = valueStart..(int)reader.BytesConsumed;
                return null;
            case RequestField.StreamOptions or RequestField.GenerationConfig:
                return WrongType(field, "an object");
            case RequestField.ProviderSet:
                reader.Skip();
                return null;
            default:
                return WrongType(field, "a string");
        }
    }

    private static GatewayError WrongType(RequestSchema.Field field, string expected) =>
        GatewayError.InvalidRequest($"\"{field.Name}\" must be {expected}.");

    private static string Where(RequestField parent) => parent switch
    {
        RequestField.StreamOptions => " in \"stream_options\"",
        RequestField.GenerationConfig => " in \"generationConfig\"",
        _ => "",
    };

    /// <summary>The acted-on field a name spells exactly; or, in <paramref name="nearMiss"/>, the field whose name it
    /// matches only once letter case and underscores are ignored (a parser that is lax about names would take it).</summary>
    private static RequestSchema.Field? Match(ReadOnlySpan<RequestSchema.Field> fields, ReadOnlySpan<byte> name, out RequestSchema.Field? nearMiss)
    {
        nearMiss = null;
        foreach (var field in fields)
        {
            foreach (var spelling in field.Spellings)
            {
                if (name.SequenceEqual(spelling))
                    return field;
            }
            if (NameSet.CanonicalEquals(name, field.Canonical))
                nearMiss = field;
        }
        return null;
    }

    private static string Printable(ReadOnlySpan<byte> name)
    {
        var text = Encoding.UTF8.GetString(name);
        return text.Length <= 64 ? text : text[..64] + "…";
    }

    /// <summary>The names seen in one object, in canonical form (ASCII lower case, no underscores), in a pooled
    /// buffer: a linear scan, since objects are small and capped at <see cref="MaxProperties"/>.</summary>
    private struct NameSet : IDisposable
    {
        private byte[]? _bytes;
        private int[]? _ends;
        private int _used;

        public int Count { get; private set; }

        /// <summary>Adds a name; false when its canonical form was already there.</summary>
        public bool Add(ReadOnlySpan<byte> name)
        {
            _bytes ??= ArrayPool<byte>.Shared.Rent(1024);
            _ends ??= ArrayPool<int>.Shared.Rent(32);
            var start = 0;
            for (var i = 0; i < Count; i++)
            {
                if (CanonicalEquals(name, _bytes.AsSpan(start, _ends[i] - start)))
                    return false;
                start = _ends[i];
            }
            var needed = _used + name.Length;
            if (needed > _bytes.Length)
                Grow(ref _bytes, needed);
            var length = 0;
            foreach (var b in name)
            {
                if (b != (byte)'_')
                    _bytes[_used + length++] = Lower(b);
            }
            _used += length;
            if (Count == _ends.Length)
                Grow(ref _ends, Count + 1);
            _ends[Count++] = _used;
            return true;
        }

        /// <summary>Whether <paramref name="name"/> in canonical form equals <paramref name="canonical"/>.</summary>
        public static bool CanonicalEquals(ReadOnlySpan<byte> name, ReadOnlySpan<byte> canonical)
        {
            var j = 0;
            foreach (var b in name)
            {
                if (b == (byte)'_')
                    continue;
                if (j == canonical.Length || Lower(b) != canonical[j++])
                    return false;
            }
            return j == canonical.Length;
        }

        private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b + 32) : b;

        private static void Grow<T>(ref T[] array, int needed)
        {
            var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, array.Length * 2));
            array.CopyTo(larger, 0);
            ArrayPool<T>.Shared.Return(array);
            array = larger;
        }

        public void Dispose()
        {
            if (_bytes is not null)
                ArrayPool<byte>.Shared.Return(_bytes);
            if (_ends is not null)
                ArrayPool<int>.Shared.Return(_ends);
            this = default;
        }
    }
}
