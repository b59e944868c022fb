namespace AgentRouter.Web.Gateway;

/// <summary>A field of a request body that the gateway acts on.</summary>
public enum RequestField
{
    /// <summary>Not a field the gateway acts on: forwarded as it came.</summary>
    None,
    Model,
    Stream,
    StreamOptions,
    IncludeUsage,
    MaxTokens,
    MaxCompletionTokens,
    MaxOutputTokens,
    /// <summary>How many answers one request asks for (OpenAI's <c>n</c>, Gemini's <c>candidateCount</c>).</summary>
    Choices,
    GenerationConfig,
    /// <summary>A field some provider kinds set or filter themselves (Anthropic's <c>anthropic_beta</c> and
    /// <c>anthropic_version</c>, which Bedrock and Vertex AI replace): its value goes on as it came, but a spelling that
    /// differs only in letter case or underscores is refused, so no provider can read the caller's copy beside the
    /// gateway's.</summary>
    ProviderSet,
}

/// <summary>Which body fields a dialect's requests are read for, with every spelling its provider accepts.
/// Names are compared after unescaping, and also in a canonical form (ASCII lower case, no underscores): two names
/// with one canonical form are duplicates, and a spelling of an acted-on field the provider does not document is
/// refused, since some parsers match names case-insensitively or accept both camel and snake case.</summary>
public sealed class RequestSchema
{
    public static readonly RequestSchema Anthropic = new(
        [(RequestField.Model, ["model"]), (RequestField.Stream, ["stream"]), (RequestField.MaxTokens, ["max_tokens"]),
         (RequestField.ProviderSet, ["anthropic_beta"]), (RequestField.ProviderSet, ["anthropic_version"])]);

    public static readonly RequestSchema OpenAIChat = new(
        [(RequestField.Model, ["model"]), (RequestField.Stream, ["stream"]), (RequestField.StreamOptions, ["stream_options"]),
         (RequestField.MaxTokens, ["max_tokens"]), (RequestField.MaxCompletionTokens, ["max_completion_tokens"]), (RequestField.Choices, ["n"])],
        streamOptions: [(RequestField.IncludeUsage, ["include_usage"])]);

    /// <summary>The OpenAI Responses API: one output limit, <c>max_output_tokens</c>.</summary>
    public static readonly RequestSchema OpenAIResponses = new(
        [(RequestField.Model, ["model"]), (RequestField.Stream, ["stream"]), (RequestField.MaxOutputTokens, ["max_output_tokens"])]);

    /// <summary>Google's JSON mapping accepts both the lowerCamel and the original snake_case name of every field.</summary>
    public static readonly RequestSchema Gemini = new(
        [(RequestField.Model, ["model"]), (RequestField.GenerationConfig, ["generationConfig", "generation_config"])],
        generationConfig: [(RequestField.MaxOutputTokens, ["maxOutputTokens", "max_output_tokens"]), (RequestField.Choices, ["candidateCount", "candidate_count"])]);

    private readonly Field[] _top;
    private readonly Field[] _streamOptions;
    private readonly Field[] _generationConfig;

    private RequestSchema((RequestField Field, string[] Spellings)[] top,
        (RequestField Field, string[] Spellings)[]? streamOptions = null, (RequestField Field, string[] Spellings)[]? generationConfig = null)
    {
        _top = Build(top);
        _streamOptions = Build(streamOptions ?? []);
        _generationConfig = Build(generationConfig ?? []);
    }

    /// <summary>The fields acted on inside an object: the top level, or the value of <paramref name="parent"/>.</summary>
    internal ReadOnlySpan<Field> FieldsOf(RequestField parent) => parent switch
    {
        RequestField.None => _top,
        RequestField.StreamOptions => _streamOptions,
        RequestField.GenerationConfig => _generationConfig,
        _ => [],
    };

    private static Field[] Build((RequestField Field, string[] Spellings)[] fields) =>
        fields.Select(f => new Field(f.Field, Canonical(f.Spellings[0]), f.Spellings.Select(s => System.Text.Encoding.UTF8.GetBytes(s)).ToArray(), f.Spellings[0])).ToArray();

    internal static byte[] Canonical(string name) => System.Text.Encoding.UTF8.GetBytes(name.Replace("_", "").ToLowerInvariant());

    internal sealed record Field(RequestField Kind, byte[] Canonical, byte[][] Spellings, string Name);
}
