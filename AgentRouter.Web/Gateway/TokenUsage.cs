using System.Text.Json;

namespace AgentRouter.Web.Gateway;

/// <summary>Token counts in one normalised shape: <see cref="Input"/> excludes cached input, <see cref="Output"/>
/// includes reasoning. Providers report differently; <see cref="Apply"/> knows each one's fields.</summary>
public struct TokenUsage
{
    public long Input;
    public long Output;
    public long CacheWrite;
    public long CacheRead;
    public long Reasoning;

    /// <summary>The part of <see cref="CacheWrite"/> written with a one-hour lifetime (Anthropic); the rest is five-minute.</summary>
    public long CacheWrite1h;

    /// <summary>Web searches the provider's server tool ran for the answer (Anthropic <c>server_tool_use</c>).</summary>
    public long WebSearches;

    /// <summary>Whether the provider reported anything at all.</summary>
    public bool Reported;

    public readonly long Total => Input + Output + CacheWrite + CacheRead;

    /// <summary>Takes the usage an answer (or one streamed event of it) reports. Providers report cumulative
    /// numbers, so a later report replaces an earlier one field by field.</summary>
    /// <returns>True when the element is an OpenAI usage-only chunk (no choices), which a client that did not
    /// ask for usage must not see.</returns>
    public bool Apply(ApiDialect dialect, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return false;
        switch (dialect)
        {
            case ApiDialect.Anthropic:
                // Non-streamed messages and message_delta carry "usage"; message_start nests it in "message".
                if (root.TryGetProperty("usage", out var usage) || (root.TryGetProperty("message", out var message) &&
                    message.ValueKind == JsonValueKind.Object && message.TryGetProperty("usage", out usage)))
                    ApplyAnthropic(usage);
                return false;
            case ApiDialect.OpenAI:
                // The Responses API's stream events nest the response (and its usage) in "response".
                if (root.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object)
                    root = response;
                if (!root.TryGetProperty("usage", out usage) || usage.ValueKind != JsonValueKind.Object)
                    return false;
                ApplyOpenAI(usage);
                return root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() == 0;
            default:
                if (root.TryGetProperty("usageMetadata", out usage) && usage.ValueKind == JsonValueKind.Object)
                    ApplyGemini(usage);
                return false;
        }
    }

    private void ApplyAnthropic(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
            return;
        Reported = true;
        Set(ref Input, usage, "input_tokens");
        Set(ref Output, usage, "output_tokens");
        Set(ref CacheWrite, usage, "cache_creation_input_tokens");
        Set(ref CacheRead, usage, "cache_read_input_tokens");
        if (usage.TryGetProperty("cache_creation", out var creation) && creation.ValueKind == JsonValueKind.Object)
            Set(ref CacheWrite1h, creation, "ephemeral_1h_input_tokens");
        if (usage.TryGetProperty("server_tool_use", out var tools) && tools.ValueKind == JsonValueKind.Object)
            Set(ref WebSearches, tools, "web_search_requests");
    }

    private void ApplyOpenAI(JsonElement usage)
    {
        if (usage.TryGetProperty("input_tokens", out _))
        {
            // The Responses API: input_tokens includes the cached part; output_tokens includes reasoning.
            Reported = true;
            var input = Number(usage, "input_tokens");
            CacheRead = usage.TryGetProperty("input_tokens_details", out var inputDetails) ? Number(inputDetails, "cached_tokens") : 0;
            Input = Math.Max(0, input - CacheRead);
            Output = Number(usage, "output_tokens");
            Reasoning = usage.TryGetProperty("output_tokens_details", out var outputDetails) ? Number(outputDetails, "reasoning_tokens") : 0;
            return;
        }
        // prompt_tokens includes the cached part; completion_tokens includes reasoning.
        Reported = true;
        var prompt = Number(usage, "prompt_tokens");
        var cached = usage.TryGetProperty("prompt_tokens_details", out var details) ? Number(details, "cached_tokens") : 0;
        CacheRead = cached;
        Input = Math.Max(0, prompt - cached);
        Output = Number(usage, "completion_tokens");
        Reasoning = usage.TryGetProperty("completion_tokens_details", out var completion) ? Number(completion, "reasoning_tokens") : 0;
    }

    private void ApplyGemini(JsonElement usage)
    {
        // promptTokenCount includes cachedContentTokenCount; thoughts are billed as output but reported apart.
        Reported = true;
        var cached = Number(usage, "cachedContentTokenCount");
        CacheRead = cached;
        Input = Math.Max(0, Number(usage, "promptTokenCount") - cached) + Number(usage, "toolUsePromptTokenCount");
        Reasoning = Number(usage, "thoughtsTokenCount");
        Output = Number(usage, "candidatesTokenCount") + Reasoning;
    }

    private static void Set(ref long field, JsonElement usage, string name)
    {
        // Providers may send null for a count they do not report in that event.
        if (usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
            field = number;
    }

    private static long Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;
}
