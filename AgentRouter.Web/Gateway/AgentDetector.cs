namespace AgentRouter.Web.Gateway;

/// <summary>Names the tool that made a request: an explicit <c>x-agent-router-agent</c> header wins, then a
/// service key's agent name, then what the User-Agent says.</summary>
public static class AgentDetector
{
    public const string AgentHeader = "x-agent-router-agent";
    public const string Unknown = "unknown";

    // First match wins; more specific prefixes before general ones.
    private static readonly (string Marker, string Agent)[] KnownAgents =
    [
        ("claude-cli/", "claude-code"),
        ("claude-code/", "claude-code"),
        ("codex_cli_rs/", "codex"),
        ("Anthropic/JS", "anthropic-sdk-typescript"),
        ("Anthropic/Python", "anthropic-sdk-python"),
        ("Anthropic/Java", "anthropic-sdk-java"),
        ("Anthropic/Go", "anthropic-sdk-go"),
        ("Anthropic/", "anthropic-sdk"),
        ("OpenAI/JS", "openai-sdk-node"),
        ("OpenAI/Python", "openai-sdk-python"),
        ("OpenAI/", "openai-sdk"),
        ("google-genai-sdk/", "google-genai-sdk"),
        ("google-api-", "google-sdk"),
        ("curl/", "curl"),
    ];

    public static string Detect(HttpRequest request, string? serviceAgent)
    {
        var declared = request.Headers[AgentHeader].ToString();
        if (Sanitize(declared) is { } explicitAgent)
            return explicitAgent;
        if (serviceAgent is not null)
            return serviceAgent;
        var userAgent = request.Headers.UserAgent.ToString();
        foreach (var (marker, agent) in KnownAgents)
            if (userAgent.Contains(marker, StringComparison.OrdinalIgnoreCase))
                return agent;
        // The Google SDKs identify themselves in x-goog-api-client rather than the User-Agent.
        return request.Headers["x-goog-api-client"].ToString().Contains("genai", StringComparison.OrdinalIgnoreCase) ? "google-genai-sdk" : Unknown;
    }

    /// <summary>Agent names go into reports: lower-case letters, digits, '.', '-' and '_' only, at most 64 characters.</summary>
    public static string? Sanitize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var trimmed = value.Trim().ToLowerInvariant();
        if (trimmed.Length > 64 || !trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            return null;
        return trimmed;
    }
}
