using AgentRouter.Web.Gateway;
using Microsoft.AspNetCore.Http;

namespace AgentRouter.Web.Tests.Unit;

public sealed class AgentDetectorTests
{
    private static HttpRequest Request(string? userAgent = null, string? agentHeader = null, string? googClient = null)
    {
        var request = new DefaultHttpContext().Request;
        if (userAgent is not null)
            request.Headers.UserAgent = userAgent;
        if (agentHeader is not null)
            request.Headers[AgentDetector.AgentHeader] = agentHeader;
        if (googClient is not null)
            request.Headers["x-goog-api-client"] = googClient;
        return request;
    }

    [Fact]
    public void Detect_ExplicitHeader_WinsOverServiceAgentAndUserAgent()
    {
        var request = Request(userAgent: "claude-cli/2.0.14 (external, cli)", agentHeader: "aider");

        Assert.Equal("aider", AgentDetector.Detect(request, serviceAgent: "nightly-review-bot"));
    }

    [Theory]
    [InlineData("  Aider  ", "aider")]
    [InlineData("My_Agent.V2", "my_agent.v2")]
    [InlineData("CLINE", "cline")]
    public void Detect_ExplicitHeader_IsTrimmedAndLowerCased(string header, string expected)
    {
        Assert.Equal(expected, AgentDetector.Detect(Request(agentHeader: header), null));
    }

    [Theory]
    [InlineData("my agent")]
    [InlineData("agent/1.0")]
    [InlineData("ägent")]
    [InlineData("agent<script>")]
    [InlineData("   ")]
    [InlineData("")]
    public void Detect_InvalidExplicitHeader_IsIgnored(string header)
    {
        Assert.Equal("claude-code", AgentDetector.Detect(Request(userAgent: "claude-cli/2.0.14 (external, cli)", agentHeader: header), null));
        Assert.Equal("ci-bot", AgentDetector.Detect(Request(agentHeader: header), serviceAgent: "ci-bot"));
    }

    [Fact]
    public void Detect_ExplicitHeaderOf64Chars_IsKeptAnd65IsIgnored()
    {
        var sixtyFour = new string('a', 64);

        Assert.Equal(sixtyFour, AgentDetector.Detect(Request(agentHeader: sixtyFour), null));
        Assert.Equal(AgentDetector.Unknown, AgentDetector.Detect(Request(agentHeader: sixtyFour + "a"), null));
    }

    [Fact]
    public void Detect_ServiceAgent_WinsOverUserAgent()
    {
        Assert.Equal("ci-bot", AgentDetector.Detect(Request(userAgent: "OpenAI/Python 1.99.0"), serviceAgent: "ci-bot"));
    }

    [Theory]
    [InlineData("claude-cli/2.0.14 (external, cli)", "claude-code")]
    [InlineData("claude-code/1.0.3", "claude-code")]
    [InlineData("claude-cli/2.0.14 (external, sdk-ts) Anthropic/JS 0.60.0", "claude-code")]
    [InlineData("codex_cli_rs/0.46.0 (Mac OS 15.6.1; arm64) iTerm.app/3.6.1", "codex")]
    [InlineData("Anthropic/JS 0.60.0", "anthropic-sdk-typescript")]
    [InlineData("Anthropic/Python 0.69.0", "anthropic-sdk-python")]
    [InlineData("Anthropic/Java 2.8.1", "anthropic-sdk-java")]
    [InlineData("Anthropic/Go 1.13.0", "anthropic-sdk-go")]
    [InlineData("Anthropic/Ruby 1.10.0", "anthropic-sdk")]
    [InlineData("OpenAI/Python 1.99.0", "openai-sdk-python")]
    [InlineData("OpenAI/JS 5.23.1", "openai-sdk-node")]
    [InlineData("OpenAI/Go 2.7.0", "openai-sdk")]
    [InlineData("google-genai-sdk/1.20.0 gl-node/v20", "google-genai-sdk-node")]
    [InlineData("google-genai-sdk/1.30.0", "google-genai-sdk")]
    // Seen on the wire from the published packages (README, "Agents"):
    [InlineData("claude-cli/2.1.328 (external, sdk-cli)", "claude-code")]
    [InlineData("codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)", "codex")]
    [InlineData("codex_cli_rs/0.169.0 (Debian 12.0.0; x86_64) xterm", "codex")]
    [InlineData("GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)", "gemini-cli")]
    [InlineData("GeminiCLI/0.61.0/gemini-2.5-pro (linux; x64; terminal)", "gemini-cli")]
    [InlineData("QwenCode/0.24.4 (linux; x64)", "qwen-code")]
    [InlineData("opencode/1.18.33 ai-sdk/provider-utils/4.0.46 runtime/bun/1.3.14", "opencode")]
    [InlineData("Cline/3.0.65", "cline")]
    // A marker that must open the User-Agent does not match inside another product's.
    [InlineData("my-wrapper opencode/1.0", "unknown")]
    [InlineData("google-api-nodejs-client/9.15.1", "google-sdk")]
    [InlineData("curl/8.7.1", "curl")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)", "unknown")]
    [InlineData("python-requests/2.32.3", "unknown")]
    public void Detect_UserAgent_MapsToKnownAgents(string userAgent, string expected)
    {
        Assert.Equal(expected, AgentDetector.Detect(Request(userAgent: userAgent), null));
    }

    [Fact]
    public void Detect_GoogleClientHeaderMentioningGenai_IsTheGenaiSdk()
    {
        var request = Request(userAgent: "node-fetch", googClient: "google-genai-sdk/1.20.0 gl-node/v20.11.1");

        Assert.Equal("google-genai-sdk-node", AgentDetector.Detect(request, null));
    }

    [Theory]
    [InlineData("google-genai-sdk/1.30.0 gl-node/v20.20.2", "google-genai-sdk-node")]
    [InlineData("google-genai-sdk/1.45.0 gl-python/3.12.3", "google-genai-sdk-python")]
    [InlineData("google-genai-sdk/1.2.0 gl-go/1.24.1", "google-genai-sdk-go")]
    [InlineData("google-genai-sdk/1.0.0", "google-genai-sdk")]
    public void Detect_GoogleGenaiSdk_ByLanguage(string googleClient, string expected)
    {
        Assert.Equal(expected, AgentDetector.Detect(Request(googClient: googleClient), null));
    }

    [Fact]
    public void Detect_GeminiCli_IsNotTheSdkItIsBuiltOn()
    {
        // Gemini CLI 0.61.0's own headers: its name in the User-Agent, the SDK it wraps in x-goog-api-client.
        var request = Request(userAgent: "GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)", googClient: "google-genai-sdk/1.30.0 gl-node/v20.20.2");

        Assert.Equal("gemini-cli", AgentDetector.Detect(request, null));
    }

    [Fact]
    public void KnownAgents_EveryMarkerDetectsItsOwnAgent()
    {
        // Guards the table's order: no earlier, more general marker shadows a later one.
        foreach (var known in AgentDetector.KnownAgents)
            Assert.Equal(known.Agent, AgentDetector.FromUserAgent(known.Marker + "1.0"));
    }

    [Fact]
    public void Detect_GoogleClientHeaderWithoutGenai_IsUnknown()
    {
        Assert.Equal(AgentDetector.Unknown, AgentDetector.Detect(Request(googClient: "gl-python/3.12.3 grpc/1.66.1 gax/2.21.0"), null));
    }

    [Fact]
    public void Detect_NoHeadersAtAll_IsUnknown()
    {
        Assert.Equal("unknown", AgentDetector.Detect(Request(), null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t ")]
    [InlineData("two words")]
    public void Sanitize_UnusableValues_AreNull(string? value)
    {
        Assert.Null(AgentDetector.Sanitize(value));
    }

    [Fact]
    public void Sanitize_AllowedCharacters_ArePreserved()
    {
        Assert.Equal("a-z_0.9", AgentDetector.Sanitize("A-z_0.9"));
    }
}
