using System.Text;
using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Providers.VertexAI;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>Vertex AI's URL shapes and the Claude body it takes, as Google documents them.</summary>
public sealed class VertexRequestsTests
{
    private static readonly VertexSettings Regional = new("acme-ai-prod", "us-east5");
    private static readonly VertexSettings Global = new("acme-ai-prod", "global");

    [Fact]
    public void Host_IsRegional_OrTheGlobalEndpoint()
    {
        Assert.Equal("https://us-east5-aiplatform.googleapis.com", Regional.DefaultHost);
        Assert.Equal("https://aiplatform.googleapis.com", Global.DefaultHost);
    }

    [Theory]
    [InlineData(false, "https://us-east5-aiplatform.googleapis.com/v1/projects/acme-ai-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict")]
    [InlineData(true, "https://us-east5-aiplatform.googleapis.com/v1/projects/acme-ai-prod/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict")]
    public void ClaudeMessages_NameThePinnedModelInThePath(bool stream, string expected) =>
        Assert.Equal(expected, VertexRequests.AnthropicMessages(Regional.DefaultHost, Regional, "claude-sonnet-4-5@20250929", stream));

    [Fact]
    public void ClaudeCountTokens_AndGemini_AndTheGlobalLocation()
    {
        Assert.Equal("https://aiplatform.googleapis.com/v1/projects/acme-ai-prod/locations/global/publishers/anthropic/models/count-tokens:rawPredict",
            VertexRequests.AnthropicCountTokens(Global.DefaultHost, Global));
        Assert.Equal("http://127.0.0.1:9/v1/projects/acme-ai-prod/locations/us-east5/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
            VertexRequests.Gemini("http://127.0.0.1:9/", Regional, "gemini-2.5-pro", "streamGenerateContent", "?alt=sse"));
        // Nothing a model id holds can leave its path segment.
        Assert.EndsWith("/models/a%2F..%2Fb%3Fx:rawPredict", VertexRequests.AnthropicMessages(Regional.DefaultHost, Regional, "a/../b?x", false));
    }

    [Fact]
    public void ClaudeBody_LosesTheModel_GainsTheVertexVersion_AndKeepsEveryOtherByte()
    {
        const string body = """{"model":"claude-sonnet-4-5@20250929", "max_tokens" : 1024,"system":[{"type":"text","text":"Be \u00e9xact","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}],"stream":true}""";

        var edited = Encoding.UTF8.GetString(VertexRequests.AnthropicBody(Encoding.UTF8.GetBytes(body), keepModel: false));

        Assert.Equal("""{"anthropic_version":"vertex-2023-10-16","max_tokens" : 1024,"system":[{"type":"text","text":"Be \u00e9xact","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"hi"}],"stream":true}""", edited);
    }

    [Fact]
    public void CountTokensBody_KeepsTheModel_AndACallersVersionIsReplaced()
    {
        const string body = """{ "messages": [], "anthropic_version": "bedrock-2023-05-31", "model": "claude-sonnet-4-5@20250929" }""";

        var edited = VertexRequests.AnthropicBody(Encoding.UTF8.GetBytes(body), keepModel: true);
        var json = JsonSerializer.Deserialize<JsonElement>(edited);

        Assert.Equal("vertex-2023-10-16", json.GetProperty("anthropic_version").GetString());
        Assert.Equal("claude-sonnet-4-5@20250929", json.GetProperty("model").GetString());
        Assert.Equal(3, json.EnumerateObject().Count());
    }

    [Theory]
    [InlineData("""{"anthropic_beta":["context-1m-2025-08-07"],"messages":[]}""")]
    [InlineData("""{"anthropic\u005fbeta":["context-1m-2025-08-07"],"messages":[]}""")]
    public void ABetaInTheBody_IsNotForwarded_SoTheAccountsAcceptedListCannotBeBypassed(string body)
    {
        var edited = JsonSerializer.Deserialize<JsonElement>(VertexRequests.AnthropicBody(Encoding.UTF8.GetBytes(body), keepModel: false));

        Assert.Equal(["anthropic_version", "messages"], edited.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void ABodyOfOnlyTheModel_BecomesOnlyTheVersion() =>
        Assert.Equal("""{"anthropic_version":"vertex-2023-10-16"}""",
            Encoding.UTF8.GetString(VertexRequests.AnthropicBody("""{"model":"m"}"""u8, keepModel: false)));

    [Theory]
    [InlineData("claude-code-20250219,interleaved-thinking-2025-05-14", null, "claude-code-20250219,interleaved-thinking-2025-05-14")]
    [InlineData("claude-code-20250219, interleaved-thinking-2025-05-14,context-1m-2025-08-07", "interleaved-thinking-2025-05-14,context-1m-2025-08-07", "interleaved-thinking-2025-05-14,context-1m-2025-08-07")]
    [InlineData("claude-code-20250219", "interleaved-thinking-2025-05-14", null)]
    [InlineData("", null, null)]
    public void Betas_PassFilteredByTheAccountsList(string header, string? accepted, string? expected) =>
        Assert.Equal(expected, VertexRequests.FilterBetas(header, accepted?.Split(',')));

    [Fact]
    public void Settings_AreNormalised_AndBadOnesSayWhichField()
    {
        var problems = new Problems();
        var settings = VertexSettings.Parse(JsonSerializer.Deserialize<JsonElement>("""{"projectId":" acme-ai-prod ","location":"US-EAST5","acceptedBetas":["a-1","a-1"]}"""), problems);

        Assert.False(problems.Any);
        Assert.Equal(new VertexSettings("acme-ai-prod", "us-east5", ["a-1"]).ToJson(), settings!.ToJson());
        Assert.Equal(settings.ToJson(), VertexSettings.FromJson(settings.ToJson()).ToJson());
        Assert.Equal("""{"projectId":"acme-ai-prod","location":"us-east5","acceptedBetas":["a-1"]}""", settings.ToJson());

        Assert.Null(VertexSettings.Parse(JsonSerializer.Deserialize<JsonElement>("""{"projectId":"Bad Project","location":"moon","acceptedBetas":[1]}"""), problems));
        Assert.Equal(["settings.acceptedBetas", "settings.location", "settings.projectId"], problems.ToDictionary().Keys.Order());
        // The console sends the betas as one comma-separated string.
        Assert.Equal(["x-1", "y-2"], VertexSettings.Parse(JsonSerializer.Deserialize<JsonElement>("""{"projectId":"123456789012","location":"global","acceptedBetas":"x-1, y-2"}"""), problems = new())!.AcceptedBetas);
        Assert.False(problems.Any);
        Assert.Null(VertexSettings.Parse(null, problems));
        Assert.True(problems.Has("settings"));
    }
}
