using System.Text.Json;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>Where a request goes on Vertex AI and what its body becomes there. Claude is served by Anthropic's
/// publisher through <c>rawPredict</c> / <c>streamRawPredict</c> with the model in the path and the API version in the
/// body; Gemini by Google's publisher with its own methods.</summary>
public static class VertexRequests
{
    /// <summary>The Messages API version Vertex AI's Claude endpoints take, in the body.</summary>
    public const string AnthropicVersion = "vertex-2023-10-16";

    private static readonly byte[] VersionMember = "\"anthropic_version\":\"vertex-2023-10-16\""u8.ToArray();

    /// <summary><c>{host}/v1/projects/{project}/locations/{location}</c>.</summary>
    public static string LocationRoot(string host, VertexSettings settings) =>
        $"{host.TrimEnd('/')}/v1/projects/{Segment(settings.ProjectId)}/locations/{Segment(settings.Location)}";

    /// <summary>Claude's Messages endpoint for a model, e.g. <c>…/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict</c>.</summary>
    public static string AnthropicMessages(string host, VertexSettings settings, string model, bool stream) =>
        $"{LocationRoot(host, settings)}/publishers/anthropic/models/{Segment(model)}:{(stream ? "streamRawPredict" : "rawPredict")}";

    /// <summary>Claude's token counting endpoint; the model is named in the body.</summary>
    public static string AnthropicCountTokens(string host, VertexSettings settings) =>
        $"{LocationRoot(host, settings)}/publishers/anthropic/models/count-tokens:rawPredict";

    /// <summary>A Gemini method (<c>generateContent</c>, <c>streamGenerateContent</c>, <c>countTokens</c>) for a model,
    /// with the caller's (already filtered) query, e.g. <c>?alt=sse</c>.</summary>
    public static string Gemini(string host, VertexSettings settings, string model, string method, string query) =>
        $"{LocationRoot(host, settings)}/publishers/google/models/{Segment(model)}:{method}{query}";

    /// <summary>The body for Claude on Vertex: the caller's members byte for byte, led by
    /// <c>"anthropic_version": "vertex-2023-10-16"</c> (replacing any the caller sent), without <c>model</c> unless
    /// <paramref name="keepModel"/> (count-tokens reads it from the body). The body has been read strictly already:
    /// one object, no duplicate names.</summary>
    public static byte[] AnthropicBody(ReadOnlySpan<byte> body, bool keepModel)
    {
        var output = new byte[MaxAnthropicBodyLength(body.Length)];
        return output[..WriteAnthropicBody(body, keepModel, output)];
    }

    /// <summary>The most bytes <see cref="WriteAnthropicBody"/> writes for a body of <paramref name="length"/> bytes:
    /// the version member and its comma on top of the caller's object.</summary>
    public static int MaxAnthropicBodyLength(int length) => length + VersionMember.Length + 3;

    /// <summary>Writes <see cref="AnthropicBody"/> into <paramref name="output"/> (at least
    /// <see cref="MaxAnthropicBodyLength"/> long); returns the length written.</summary>
    public static int WriteAnthropicBody(ReadOnlySpan<byte> body, bool keepModel, Span<byte> output)
    {
        output[0] = (byte)'{';
        VersionMember.CopyTo(output[1..]);
        var written = 1 + VersionMember.Length;
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            // Betas travel only in the anthropic-beta header, filtered by the account's accepted list: a body copy would
            // pass that filter by (names compared unescaped, as the provider reads them).
            var drop = reader.ValueTextEquals("anthropic_version"u8) || reader.ValueTextEquals("anthropic_beta"u8)
                || !keepModel && reader.ValueTextEquals("model"u8);
            reader.Read();
            reader.Skip();
            if (drop)
                continue;
            output[written++] = (byte)',';
            var member = body[start..(int)reader.BytesConsumed];
            member.CopyTo(output[written..]);
            written += member.Length;
        }
        output[written++] = (byte)'}';
        return written;
    }

    /// <summary>The <c>anthropic-beta</c> flags that may pass: all of them without an accepted list, else those on it.
    /// Null when none is left (the header is then dropped).</summary>
    public static string? FilterBetas(string? header, IReadOnlyList<string>? accepted)
    {
        if (string.IsNullOrWhiteSpace(header))
            return null;
        if (accepted is null)
            return header;
        var kept = header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(flag => accepted.Contains(flag, StringComparer.Ordinal)).ToList();
        return kept.Count == 0 ? null : string.Join(',', kept);
    }

    /// <summary>One path segment, escaped; <c>@</c> stays as it is (pinned Claude ids such as
    /// <c>claude-sonnet-4-5@20250929</c>), as RFC 3986 allows in a segment and Google's own samples write it.</summary>
    private static string Segment(string value) => Uri.EscapeDataString(value).Replace("%40", "@", StringComparison.Ordinal);
}
