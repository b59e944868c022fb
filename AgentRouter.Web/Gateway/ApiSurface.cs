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

    /// <summary>Whether the surface streams because of its path (Gemini's streamGenerateContent), whatever the body says.</summary>
    public bool StreamsByPath => this == GeminiStream;

    /// <summary>The URL of this operation on an API that speaks the dialect itself, below <paramref name="baseUrl"/>: the
    /// path after the root for Anthropic and OpenAI (whose root includes /v1, as its SDK takes it), and
    /// <c>/v1beta/models/{model}:{method}</c> for Gemini.</summary>
    public string NativeUrl(string baseUrl, string upstreamModel, QueryString query) =>
        Dialect == ApiDialect.Gemini
            ? $"{baseUrl}/v1beta/models/{Uri.EscapeDataString(upstreamModel)}:{UpstreamPath}{query}"
            : baseUrl + UpstreamPath + query;

    public override string ToString() => Name;
}
