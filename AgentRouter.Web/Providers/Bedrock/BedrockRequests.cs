using System.Buffers;
using System.Text.Json;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Claude on Bedrock, from the Anthropic dialect: where a request goes and how its body changes. Bedrock's
/// Anthropic body is the Messages body without <c>model</c> (the path names it) or <c>stream</c> (the operation says
/// it), with <c>anthropic_version</c> and the beta flags in <c>anthropic_beta</c> instead of a header.</summary>
public static class BedrockRequests
{
    public const string AnthropicVersion = "bedrock-2023-05-31";

    /// <summary>The Anthropic beta flags Bedrock accepts, used when an account names none of its own: Bedrock refuses
    /// a request carrying any other, and clients such as Claude Code send flags only Anthropic's own API knows.</summary>
    public static readonly IReadOnlyList<string> DefaultAcceptedBetas =
    [
        "computer-use-2024-10-22", "computer-use-2025-01-24", "token-efficient-tools-2025-02-19",
        "interleaved-thinking-2025-05-14", "output-128k-2025-02-19", "dev-full-thinking-2025-05-14",
        "context-1m-2025-08-07", "context-management-2025-06-27", "effort-2025-11-24",
        "tool-search-tool-2025-10-19", "tool-examples-2025-10-29",
    ];

    /// <summary>Invoking asks for this many tokens when a counted body gives no <c>max_tokens</c>: Bedrock counts an
    /// InvokeModel body, which must have one, and Anthropic's count_tokens body has none.</summary>
    private const int CountingMaxTokens = 1;

    /// <summary>The runtime host of a region, the default base URL of a Bedrock account.</summary>
    public static string RuntimeBaseUrl(string region) => $"https://bedrock-runtime.{region}.amazonaws.com";

    /// <summary>The control-plane host of a region (model listings), which the connection test asks.</summary>
    public static string ControlBaseUrl(string region) => $"https://bedrock.{region}.amazonaws.com";

    /// <summary><c>{base}/model/{modelId}/invoke</c> or <c>…/invoke-with-response-stream</c>; the id escaped as one
    /// path segment, so inference-profile ids (<c>us.anthropic.…-v1:0</c>) and ARNs (with <c>/</c>) stay whole.</summary>
    public static string InvokeUrl(string baseUrl, string modelId, bool stream) =>
        $"{ModelUrl(baseUrl, modelId)}/{(stream ? "invoke-with-response-stream" : "invoke")}";

    /// <summary><c>{base}/model/{modelId}/count-tokens</c>: Bedrock's CountTokens operation.</summary>
    public static string CountTokensUrl(string baseUrl, string modelId) => $"{ModelUrl(baseUrl, modelId)}/count-tokens";

    private static string ModelUrl(string baseUrl, string modelId) => $"{baseUrl.TrimEnd('/')}/model/{Uri.EscapeDataString(modelId)}";

    /// <summary>The values of the caller's <c>anthropic-beta</c> headers (comma-separated, possibly repeated) that the
    /// account accepts, in the order given, each once.</summary>
    public static List<string> AcceptedBetas(IEnumerable<string?> headerValues, IReadOnlyList<string> accepted)
    {
        var betas = new List<string>();
        foreach (var value in headerValues)
        {
            if (value is null)
                continue;
            foreach (var flag in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (accepted.Contains(flag, StringComparer.Ordinal) && !betas.Contains(flag, StringComparer.Ordinal))
                    betas.Add(flag);
            }
        }
        return betas;
    }

    /// <summary>The InvokeModel body for an Anthropic Messages body: every member but <c>model</c>, <c>stream</c>,
    /// <c>anthropic_version</c> and <c>anthropic_beta</c> copied as it came (the gateway has already read the body
    /// strictly, so no member is repeated), then Bedrock's version and the accepted beta flags.</summary>
    public static byte[] InvokeBody(ReadOnlySpan<byte> anthropicBody, IReadOnlyList<string> betas) =>
        Write(anthropicBody, betas, ensureMaxTokens: false);

    /// <summary>The CountTokens body: <c>{"input":{"invokeModel":{"body":"…"}}}</c>, holding the InvokeModel body
    /// base64-encoded as Bedrock's JSON protocol carries blobs.</summary>
    public static byte[] CountTokensBody(ReadOnlySpan<byte> anthropicBody, IReadOnlyList<string> betas)
    {
        var invoke = Write(anthropicBody, betas, ensureMaxTokens: true);
        var buffer = new ArrayBufferWriter<byte>(invoke.Length * 4 / 3 + 64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("input");
            json.WriteStartObject("invokeModel");
            json.WriteBase64String("body", invoke);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Write(ReadOnlySpan<byte> anthropicBody, IReadOnlyList<string> betas, bool ensureMaxTokens)
    {
        var buffer = new ArrayBufferWriter<byte>(anthropicBody.Length + 128);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var reader = new Utf8JsonReader(anthropicBody);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException("An Anthropic body is a JSON object.");
            json.WriteStartObject();
            var hasMaxTokens = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var skip = reader.ValueTextEquals("model"u8) || reader.ValueTextEquals("stream"u8)
                    || reader.ValueTextEquals("anthropic_version"u8) || reader.ValueTextEquals("anthropic_beta"u8);
                hasMaxTokens |= reader.ValueTextEquals("max_tokens"u8);
                if (skip)
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }
                if (reader.ValueIsEscaped)
                    json.WritePropertyName(reader.GetString()!);
                else
                    json.WritePropertyName(reader.ValueSpan);
                // The value's bytes travel as they came: copied, not parsed and re-written.
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                json.WriteRawValue(anthropicBody[start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
            if (ensureMaxTokens && !hasMaxTokens)
                json.WriteNumber("max_tokens", CountingMaxTokens);
            json.WriteString("anthropic_version", AnthropicVersion);
            if (betas.Count > 0)
            {
                json.WriteStartArray("anthropic_beta");
                foreach (var beta in betas)
                    json.WriteStringValue(beta);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
