namespace AgentRouter.Web.Gateway;

/// <summary>Names the tool that made a request: an explicit <c>x-agent-router-agent</c> header wins, then a
/// service key's agent name, then what the User-Agent says, then the Google SDKs' <c>x-goog-api-client</c>.</summary>
public static class AgentDetector
{
    public const string AgentHeader = "x-agent-router-agent";
    public const string Unknown = "unknown";

    /// <summary>A User-Agent marker and the agent it names. <paramref name="Prefix"/>: the marker must open the
    /// User-Agent (agents that wrap an SDK put their own name first and the SDK's after it).</summary>
    public sealed record AgentMarker(string Marker, string Agent, bool Prefix = false);

    /// <summary>What each tool sends, as read from its published package or seen on the wire (README, "Agents").
    /// First match wins: agents before the SDKs they are built on, specific markers before general ones.</summary>
    public static readonly IReadOnlyList<AgentMarker> KnownAgents =
    [
        // Claude Code: "claude-cli/2.1.328 (external, cli)"; "(external, sdk-cli)" when run with -p.
        new("claude-cli/", "claude-code"),
        new("claude-code/", "claude-code"),
        // Codex CLI: interactive "codex_cli_rs/…", `codex exec` "codex_exec/0.169.0 (Debian 12.0.0; x86_64) …".
        new("codex_cli_rs/", "codex"),
        new("codex_exec/", "codex", Prefix: true),
        // Gemini CLI: "GeminiCLI/0.61.0/<model> (linux; x64; terminal)", "GeminiCLI-tui/…" from its terminal UI.
        new("GeminiCLI/", "gemini-cli", Prefix: true),
        new("GeminiCLI-", "gemini-cli", Prefix: true),
        // Qwen Code: "QwenCode/0.24.4 (linux; x64)".
        new("QwenCode/", "qwen-code", Prefix: true),
        // opencode: "opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14".
        new("opencode/", "opencode", Prefix: true),
        // Cline: "Cline/<version>" on the providers where it names itself.
        new("Cline/", "cline", Prefix: true),
        new("Anthropic/JS", "anthropic-sdk-typescript"),
        new("Anthropic/Python", "anthropic-sdk-python"),
        new("Anthropic/Java", "anthropic-sdk-java"),
        new("Anthropic/Go", "anthropic-sdk-go"),
        new("Anthropic/", "anthropic-sdk"),
        new("OpenAI/JS", "openai-sdk-node"),
        new("OpenAI/Python", "openai-sdk-python"),
        new("OpenAI/", "openai-sdk"),
        new("google-genai-sdk/", "google-genai-sdk"),
        new("google-api-", "google-sdk"),
        new("curl/", "curl", Prefix: true),
    ];

    public static string Detect(HttpRequest request, string? serviceAgent)
    {
        var declared = request.Headers[AgentHeader].ToString();
        if (Sanitize(declared) is { } explicitAgent)
            return explicitAgent;
        if (serviceAgent is not null)
            return serviceAgent;
        var userAgent = request.Headers.UserAgent.ToString();
        var agent = FromUserAgent(userAgent);
        // The Google SDKs name themselves (and their language) in x-goog-api-client rather than the User-Agent.
        var googleClient = request.Headers["x-goog-api-client"].ToString();
        return agent is null or "google-genai-sdk" && googleClient.Contains("genai", StringComparison.OrdinalIgnoreCase) || agent == "google-genai-sdk"
            ? GoogleSdk(googleClient + " " + userAgent)
            : agent ?? Unknown;
    }

    /// <summary>The agent a User-Agent names, or null.</summary>
    public static string? FromUserAgent(string userAgent)
    {
        foreach (var (marker, agent, prefix) in KnownAgents)
        {
            if (prefix ? userAgent.StartsWith(marker, StringComparison.OrdinalIgnoreCase) : userAgent.Contains(marker, StringComparison.OrdinalIgnoreCase))
                return agent;
        }
        return null;
    }

    /// <summary>"google-genai-sdk/1.30.0 gl-node/v20.20.2" → google-genai-sdk-node; gl-python → -python, gl-go → -go.</summary>
    private static string GoogleSdk(string googleClient)
    {
        foreach (var (marker, language) in (ReadOnlySpan<(string, string)>)[("gl-node/", "node"), ("gl-python/", "python"), ("gl-go/", "go"), ("gl-java/", "java")])
        {
            if (googleClient.Contains(marker, StringComparison.OrdinalIgnoreCase))
                return "google-genai-sdk-" + language;
        }
        return "google-genai-sdk";
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
