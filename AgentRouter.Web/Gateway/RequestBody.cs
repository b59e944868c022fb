using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRouter.Web.Gateway;

/// <summary>A request body read into a pooled buffer, with the top-level facts the gateway decides on.</summary>
public sealed class RequestBody : IDisposable
{
    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; private set; }
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>The top-level <c>model</c> string, when there is one.</summary>
    public string? Model { get; private set; }

    /// <summary>The top-level <c>stream</c> flag.</summary>
    public bool Stream { get; private set; }

    /// <summary><c>max_tokens</c> (or OpenAI's <c>max_completion_tokens</c>) when given.</summary>
    public long? MaxTokens { get; private set; }

    /// <summary>Whether an OpenAI caller asked for the usage chunk (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage { get; private set; }

    private Range? _modelToken;
    private Range? _streamOptionsValue;
    private bool _streamOptionsIsObject;
    private int _objectStart;

    /// <summary>Reads the whole body, refusing it past <paramref name="limit"/> bytes.</summary>
    public static async Task<(RequestBody? Body, GatewayError? Error)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
            return (null, GatewayError.TooLarge(limit));
        // The gateway enforces its own limit; Kestrel's default (30 MB) must not cut in first.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
            sizeFeature.MaxRequestBodySize = limit + 1;

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, limit + 1));
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
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return (new RequestBody(buffer, length), null);
    }

    /// <summary>Validates the JSON and takes the top-level facts in one forward pass, skipping nested values.</summary>
    public GatewayError? Inspect()
    {
        try
        {
            var reader = new Utf8JsonReader(Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return GatewayError.InvalidRequest("The request body must be a JSON object.");
            _objectStart = (int)reader.TokenStartIndex;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (name.SequenceEqual("model"u8) && reader.TokenType == JsonTokenType.String)
                {
                    Model = reader.GetString();
                    var start = (int)reader.TokenStartIndex;
                    _modelToken = start..(start + reader.ValueSpan.Length + 2);
                }
                else if (name.SequenceEqual("stream"u8) && reader.TokenType is JsonTokenType.True or JsonTokenType.False)
                    Stream = reader.GetBoolean();
                else if ((name.SequenceEqual("max_tokens"u8) || name.SequenceEqual("max_completion_tokens"u8)) &&
                         reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var max))
                    MaxTokens = max;
                else if (name.SequenceEqual("stream_options"u8))
                {
                    // Any value (an object, or null) is remembered so a rewrite replaces it rather than adding a second key.
                    var start = (int)reader.TokenStartIndex;
                    var options = reader;
                    reader.Skip();
                    _streamOptionsValue = start..(int)reader.BytesConsumed;
                    _streamOptionsIsObject = options.TokenType == JsonTokenType.StartObject;
                    IncludeUsage = _streamOptionsIsObject && ReadsIncludeUsage(ref options);
                }
                else
                    reader.Skip();
            }
            // Everything after the object must be whitespace only.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                return GatewayError.InvalidRequest("The request body is not valid JSON.");
            return null;
        }
        catch (JsonException ex)
        {
            return GatewayError.InvalidRequest($"The request body is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Validates JSON without looking inside (for surfaces whose model travels in the path).</summary>
    public GatewayError? Validate()
    {
        try
        {
            var reader = new Utf8JsonReader(Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return GatewayError.InvalidRequest("The request body must be a JSON object.");
            reader.Skip();
            return reader.Read() ? GatewayError.InvalidRequest("The request body is not valid JSON.") : null;
        }
        catch (JsonException ex)
        {
            return GatewayError.InvalidRequest($"The request body is not valid JSON: {ex.Message}");
        }
    }

    /// <summary>Rewrites the body in place of the original: the pinned model id, and for OpenAI streams
    /// <c>stream_options.include_usage</c> so the provider reports usage. Everything else stays byte for byte.</summary>
    public void Rewrite(string? upstreamModel, bool requestStreamUsage)
    {
        List<(Range At, byte[] With)> edits = [];
        if (upstreamModel is not null && _modelToken is { } model && upstreamModel != Model)
            edits.Add((model, JsonSerializer.SerializeToUtf8Bytes(upstreamModel)));
        if (requestStreamUsage && !IncludeUsage)
        {
            if (_streamOptionsValue is { } options)
            {
                var merged = _streamOptionsIsObject ? JsonNode.Parse(Span[options])!.AsObject() : [];
                merged["include_usage"] = true;
                edits.Add((options, JsonSerializer.SerializeToUtf8Bytes(merged)));
            }
            else
                edits.Add(((_objectStart + 1)..(_objectStart + 1), "\"stream_options\":{\"include_usage\":true},"u8.ToArray()));
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
    }

    public Stream AsStream() => new MemoryStream(_buffer, 0, Length, writable: false);

    public override string ToString() => Encoding.UTF8.GetString(Span);

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private static bool ReadsIncludeUsage(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueSpan.SequenceEqual("include_usage"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.True;
            }
        }
        return false;
    }
}
