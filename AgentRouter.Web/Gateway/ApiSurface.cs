using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Gateway;

/// <summary>The API family a caller speaks; errors are answered in it.</summary>
public enum ApiDialect { Anthropic, OpenAI, Gemini }

/// <summary>One gateway operation: its dialect, what it is recorded as, and where it goes upstream.</summary>
public sealed class ApiSurface
{
    public static readonly ApiSurface AnthropicMessages = new(ApiDialect.Anthropic, "anthropic.messages", "/v1/messages", hasModelInBody: true, RequestSchema.Anthropic);
    public static readonly ApiSurface AnthropicCountTokens = new(ApiDialect.Anthropic, "anthropic.count_tokens", "/v1/messages/count_tokens", hasModelInBody: true, RequestSchema.Anthropic);
    public static readonly ApiSurface OpenAIChat = new(ApiDialect.OpenAI, "openai.chat", "/chat/completions", hasModelInBody: true, RequestSchema.OpenAIChat);
    public static readonly ApiSurface OpenAIResponses = new(ApiDialect.OpenAI, "openai.responses", "/responses", hasModelInBody: true, RequestSchema.OpenAIResponses);
    /// <summary>OpenAI's input-token count for a Responses request: only ever an upstream of a translated count.</summary>
    public static readonly ApiSurface OpenAIResponsesInputTokens = new(ApiDialect.OpenAI, "openai.input_tokens", "/responses/input_tokens", hasModelInBody: true, RequestSchema.OpenAIResponses);
    public static readonly ApiSurface GeminiGenerate = new(ApiDialect.Gemini, "gemini.generate", "generateContent", hasModelInBody: false, RequestSchema.Gemini);
    public static readonly ApiSurface GeminiStream = new(ApiDialect.Gemini, "gemini.stream", "streamGenerateContent", hasModelInBody: false, RequestSchema.Gemini);
    public static readonly ApiSurface GeminiCountTokens = new(ApiDialect.Gemini, "gemini.count_tokens", "countTokens", hasModelInBody: false, RequestSchema.Gemini);

    private ApiSurface(ApiDialect dialect, string name, string upstreamPath, bool hasModelInBody, RequestSchema schema)
    {
        Dialect = dialect;
        Name = name;
        UpstreamPath = upstreamPath;
        HasModelInBody = hasModelInBody;
        Schema = schema;
    }

    /// <summary>The body fields the gateway reads for this surface.</summary>
    public RequestSchema Schema { get; }

    public ApiDialect Dialect { get; }

    /// <summary>How usage records name the surface.</summary>
    public string Name { get; }

    /// <summary>Path below the account's base URL (for Gemini, the method after the model).</summary>
    public string UpstreamPath { get; }

    public bool HasModelInBody { get; }

    /// <summary>Whether tokens are billed (counting endpoints are free at every provider).</summary>
    public bool IsBilled => this != AnthropicCountTokens && this != GeminiCountTokens;

    public static ApiSurface? ForGeminiMethod(string method) => method switch
    {
        "generateContent" => GeminiGenerate,
        "streamGenerateContent" => GeminiStream,
        "countTokens" => GeminiCountTokens,
        _ => null,
    };

    /// <summary>Whether an account of this kind speaks this surface's protocol (no translation between dialects).</summary>
    public bool IsServedBy(ProviderKind kind) => this == OpenAIResponses ? kind == ProviderKind.OpenAI : kind == ProviderKind.Sandbox || kind == Dialect switch
    {
        ApiDialect.Anthropic => ProviderKind.Anthropic,
        ApiDialect.OpenAI => ProviderKind.OpenAI,
        _ => ProviderKind.Gemini,
    };

    /// <summary>The full upstream URL for an account and the pinned model.</summary>
    public string UpstreamUrl(UpstreamAccount account, string upstreamModel, QueryString query)
    {
        if (Dialect == ApiDialect.Gemini)
            return $"{account.BaseUrl}/v1beta/models/{Uri.EscapeDataString(upstreamModel)}:{UpstreamPath}{query}";
        // The OpenAI base URL includes /v1, as its SDK takes it.
        return account.BaseUrl + UpstreamPath + query;
    }

    public override string ToString() => Name;
}
