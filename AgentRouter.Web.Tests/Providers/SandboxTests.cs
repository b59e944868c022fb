using System.Net;
using System.Net.Http.Json;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Providers;

/// <summary>The built-in sandbox provider, seeded on first start, answers every dialect through the real pipeline.</summary>
public sealed class SandboxTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<Scenario> SandboxScenarioAsync()
    {
        var admin = fixture.Router.Admin();
        var sandbox = (await admin.ListAsync("/api/admin/providers")).Single(p => p!["kind"]!.GetValue<string>() == "sandbox")!;
        var providerId = sandbox["id"]!.GetValue<Guid>();
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("claude", providerId, "sandbox-claude"), ("gpt", providerId, "sandbox-gpt"), ("gemini", providerId, "sandbox-gemini"));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (keyId, key) = await admin.CreateKeyAsync(teamId, developerId);
        return new Scenario(admin, fixture.Router.Gateway(), fixture.Anthropic, providerId, "", teamId, slug, developerId, keyId, key, "claude", "sandbox-claude");
    }

    [Fact]
    public async Task FirstStart_SeedsTheSandboxAccountAndItsPricedModels()
    {
        var admin = fixture.Router.Admin();
        var providers = await admin.ListAsync("/api/admin/providers");
        var catalog = await admin.ListAsync("/api/admin/catalog");

        Assert.Contains(providers, p => p!["name"]!.GetValue<string>() == SandboxSeeder.AccountName);
        Assert.All(SandboxSeeder.Models, m => Assert.Contains(catalog, c => c!["model"]!.GetValue<string>() == m));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Anthropic_IsAnswered_AndUsageRecorded(bool stream)
    {
        var s = await SandboxScenarioAsync();
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("claude", stream, "Tell me about the sandbox")));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Agent Router sandbox", body);
        Assert.True(record.InputTokens > 0 && record.OutputTokens > 0);
        Assert.True(record.CostUsd > 0);
        Assert.Equal(stream, record.Streamed);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OpenAI_IsAnswered_AndUsageRecorded(bool stream)
    {
        var s = await SandboxScenarioAsync();
        using var response = await s.Client.SendAsync(Requests.OpenAI(s.Key, Requests.Chat("gpt", stream)));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Contains("Agent Router sandbox", body);
        Assert.True(record.OutputTokens > 0);
        if (stream)
            Assert.DoesNotContain("\"prompt_tokens\"", body);
    }

    [Theory]
    [InlineData("generateContent", "")]
    [InlineData("streamGenerateContent", "?alt=sse")]
    [InlineData("streamGenerateContent", "")]
    public async Task Gemini_IsAnswered_AndUsageRecorded(string method, string query)
    {
        var s = await SandboxScenarioAsync();
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, "gemini", method, Requests.Contents("hello sandbox"), query: query));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Contains("Agent Router sandbox", body);
        Assert.True(record.InputTokens > 0 && record.OutputTokens > 0);
    }
}
