using Anthropic;
using AgentRouter.Web.Billing;
using Microsoft.Extensions.DependencyInjection;
using Anthropic.Models.Messages;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Clients;

/// <summary>The official Anthropic .NET SDK, pointed at the router with an Agent Router key, reads answers and streams
/// whole: the router's final cost comment on a stream does not disturb its event parser.</summary>
public sealed class AnthropicSdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(AnthropicClient Client, Scenario Scenario)> ClientAsync()
    {
        var s = await fixture.ScenarioAsync("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-sdk-" + Guid.NewGuid().ToString("N")[..6]);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{s.UpstreamModel}", new
        {
            inputPerMTok = 3, outputPerMTok = 15, cacheWritePerMTok = 3.75, cacheWrite1hPerMTok = 6, cacheReadPerMTok = 0.30, webSearchPer1K = 10,
        });
        var client = new AnthropicClient { ApiKey = s.Key, BaseUrl = s.Client.BaseAddress!.ToString().TrimEnd('/'), HttpClient = s.Client, MaxRetries = 0 };
        return (client, s);
    }

    private static MessageCreateParams Hello(string model) => new()
    {
        Model = model,
        MaxTokens = 256,
        Messages = [new UserMessageParam { Content = "Hello" }],
    };

    [Fact]
    public async Task Create_ReturnsTheAnswerAndItsUsage()
    {
        var (client, s) = await ClientAsync();
        s.Fake.Usage = new FakeUsage(Input: 21, Output: 393, CacheWrite: 12_000, CacheWrite1h: 10_000);

        var message = await client.Messages.Create(Hello(s.PublicName));

        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Hello from the fake.", text!.Text);
        Assert.Equal((21L, 393L, 10_000L), (message.Usage.InputTokens, message.Usage.OutputTokens, message.Usage.CacheCreation!.Ephemeral1hInputTokens));
        Assert.Equal(s.ProviderKey, s.Fake.LastRequest.Headers["x-api-key"]);
    }

    [Fact]
    public async Task CreateStreaming_ReadsEveryEvent_TheCostCommentDoesNotBreakIt()
    {
        var (client, s) = await ClientAsync();
        s.Fake.Usage = new FakeUsage(Input: 3200, Output: 450, WebSearches: 2);

        var recorded = new TaskCompletionSource<UsageRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Router.Services.GetRequiredService<UsageRecorder>().Persisted += batch =>
        {
            if (batch.FirstOrDefault(r => r.DeveloperId == s.DeveloperId) is { } mine)
                recorded.TrySetResult(mine);
        };
        var text = "";
        var events = 0;
        long? searches = null;
        var stopped = false;
        await foreach (var streamed in client.Messages.CreateStreaming(Hello(s.PublicName)))
        {
            events++;
            if (streamed.TryPickContentBlockDelta(out var delta) && delta!.Delta.TryPickText(out var piece))
                text += piece!.Text;
            if (streamed.TryPickDelta(out var messageDelta))
                searches = messageDelta!.Usage.ServerToolUse?.WebSearchRequests;
            stopped |= streamed.TryPickStop(out _);
        }
        var record = await recorded.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal("Hello from the fake.", text);
        Assert.True(stopped);
        Assert.Equal(2, searches);
        Assert.True(events >= 6);
        // 3,200 × $3 + 450 × $15 per million + 2 × $10 per 1,000
        Assert.Equal(0.03635m, record.CostUsd);
    }
}
