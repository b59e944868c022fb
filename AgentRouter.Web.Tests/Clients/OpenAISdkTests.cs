using System.ClientModel;
using System.ClientModel.Primitives;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace AgentRouter.Web.Tests.Clients;

/// <summary>The official OpenAI .NET SDK, pointed at the router with an Agent Router key, just works.</summary>
public sealed class OpenAISdkTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<(ChatClient Chat, Scenario Scenario)> ClientAsync()
    {
        var s = await fixture.ScenarioAsync("openai", "gpt-4.1", "gpt-4.1-2025-04-14");
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(s.Client.BaseAddress!, "/v1"),
            Transport = new HttpClientPipelineTransport(s.Client),
        };
        return (new ChatClient("gpt-4.1", new ApiKeyCredential(s.Key), options), s);
    }

    [Fact]
    public async Task CompleteChat_ReturnsTheAnswer_AndTheRouterRecordsTheSdkAsAgent()
    {
        var (chat, s) = await ClientAsync();
        s.Fake.Usage = new FakeUsage(Input: 21, Output: 8);

        var result = await chat.CompleteChatAsync([new UserChatMessage("Hello")]);
        ChatCompletion completion = result;
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-agentrouter-request-id", out var requestId));
        var record = await fixture.Router.Usage.For(requestId!);

        Assert.Equal("Hello from the fake.", completion.Content[0].Text);
        Assert.Equal(21, completion.Usage.InputTokenCount);
        Assert.Equal($"Bearer {s.ProviderKey}", s.Fake.LastRequest.Headers["authorization"]);
        Assert.Equal(("openai-sdk", 21L, 8L), (record.Agent, record.InputTokens, record.OutputTokens));
    }

    [Fact]
    public async Task StreamingChat_StreamsTheAnswer_AndUsageIsRecorded()
    {
        var (chat, s) = await ClientAsync();
        s.Fake.Usage = new FakeUsage(Input: 40, Output: 9);

        var text = "";
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
            text += string.Concat(update.ContentUpdate.Select(p => p.Text));

        Assert.Equal("Hello from the fake.", text);
        Assert.True(s.Fake.LastRequest.BodyJson().GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
