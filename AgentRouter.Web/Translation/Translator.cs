using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Translation;

/// <summary>The gateway's one entry into translation: when a route's upstream does not speak the caller's dialect,
/// decodes the caller's request into the canonical model, encodes it for the upstream's own API, and returns the
/// <see cref="Translation"/> that carries the answer back; or refuses, in the caller's dialect, what cannot map.</summary>
public static class Translator
{
    /// <summary>The Anthropic API version sent when the caller (speaking another dialect) sent none.</summary>
    public const string AnthropicVersion = "2023-06-01";

    public static IDialectCodec CodecOf(ApiSurface surface) =>
        surface == ApiSurface.AnthropicMessages || surface == ApiSurface.AnthropicCountTokens ? AnthropicCodec.Instance
        : surface == ApiSurface.OpenAIChat ? OpenAIChatCodec.Instance
        : surface == ApiSurface.OpenAIResponses || surface == ApiSurface.OpenAIResponsesInputTokens ? OpenAIResponsesCodec.Instance
        : GeminiCodec.Instance;

    private static bool IsCount(ApiSurface surface) => surface == ApiSurface.AnthropicCountTokens || surface == ApiSurface.GeminiCountTokens;

    /// <summary>Whether a model on an account of this adapter can be called through <paramref name="caller"/>, directly or translated.</summary>
    public static bool CanServe(ApiSurface caller, IProviderAdapter adapter) =>
        adapter.Serves(caller) || UpstreamOf(caller, adapter, stream: false, stopSequences: false) is not null;

    /// <summary>The upstream operation a translated request goes to: the first the adapter speaks, in this order.
    /// Anthropic Messages; then OpenAI's Responses API (which keeps reasoning between turns), or Chat Completions when
    /// the request has stop sequences, which Responses lacks; then Gemini.</summary>
    private static ApiSurface? UpstreamOf(ApiSurface caller, IProviderAdapter adapter, bool stream, bool stopSequences)
    {
        ApiSurface[] candidates = IsCount(caller)
            ? [ApiSurface.AnthropicCountTokens, ApiSurface.OpenAIResponsesInputTokens, ApiSurface.GeminiCountTokens]
            : stopSequences
                ? [ApiSurface.AnthropicMessages, ApiSurface.OpenAIChat, stream ? ApiSurface.GeminiStream : ApiSurface.GeminiGenerate]
                : [ApiSurface.AnthropicMessages, ApiSurface.OpenAIResponses, ApiSurface.OpenAIChat, stream ? ApiSurface.GeminiStream : ApiSurface.GeminiGenerate];
        return candidates.FirstOrDefault(c => c != caller && adapter.Serves(c));
    }

    /// <summary>Members the codecs leave null are not sent (providers refuse some explicit nulls); JSON the caller wrote
    /// (schemas, tool arguments) is left as it was, its nulls included.</summary>
    private static void WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is null)
                        obj.Remove(name);
                    else if (name is not ("input_schema" or "parameters" or "parametersJsonSchema" or "schema" or "responseJsonSchema" or "input" or "args" or "response"))
                        WithoutNulls(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                    WithoutNulls(item);
                break;
        }
    }

    private static string TargetName(IProviderAdapter adapter, string model) => $"the {adapter.DisplayName} model '{model}'";

    /// <summary>Translates the request for the route's upstream, or says why it cannot be.</summary>
    /// <param name="requested">The model as the caller named it: answers name it so.</param>
    /// <param name="defaultMaxTokens">The output limit for a target that needs one when the caller set none.</param>
    public static Translation? Prepare(HttpContext context, ApiSurface caller, ModelRoute route, RequestBody body, string requested, long defaultMaxTokens,
        out GatewayError? refusal)
    {
        refusal = null;
        var adapter = route.Account.Adapter;
        var target = TargetName(adapter, requested);
        var client = CodecOf(caller);
        try
        {
            JsonObject parsed;
            try
            {
                parsed = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }) as JsonObject
                    ?? throw new NotTranslatableException("The request body must be a JSON object.");
            }
            catch (JsonException ex)
            {
                throw new NotTranslatableException($"The request body could not be read for translation: {ex.Message}");
            }
            var request = client.DecodeRequest(parsed, target);
            request.Stream |= caller == ApiSurface.GeminiStream;
            if (UpstreamOf(caller, adapter, request.Stream, request.StopSequences.Count > 0) is not { } upstream)
                throw new NotTranslatableException($"{client.Name} cannot be translated to {target}.");
            var upstreamCodec = CodecOf(upstream);
            if (upstream == ApiSurface.AnthropicMessages)
                request.MaxOutputTokens ??= defaultMaxTokens;
            var encoded = IsCount(caller) ? upstreamCodec.EncodeCountRequest(request, route.UpstreamModel) : upstreamCodec.EncodeRequest(request, route.UpstreamModel);
            WithoutNulls(encoded);
            var clientSse = caller != ApiSurface.GeminiStream || context.Request.Query["alt"] == "sse";
            return new Translation(client, caller, upstreamCodec, upstream, request, requested, JsonSerializer.SerializeToUtf8Bytes(encoded, Json.Options),
                upstream == ApiSurface.GeminiStream ? new QueryString("?alt=sse") : QueryString.Empty, IsCount(caller), clientSse,
                context.Request.Headers.ContainsKey("anthropic-version"));
        }
        catch (NotTranslatableException ex)
        {
            refusal = GatewayError.InvalidRequest(ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            // Duplicate names deep in the body, or a value of the wrong shape: the same strict reading as everywhere.
            refusal = GatewayError.InvalidRequest($"The request could not be read for translation to {target}: {ex.Message}");
            return null;
        }
    }
}
