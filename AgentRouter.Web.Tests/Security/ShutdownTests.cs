using AgentRouter.Web.Hosting;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Tests.Security;

/// <summary>On stop, streams in flight run until Shutdown:Timeout, then are ended and recorded as <c>shutdown</c>.
/// (The published-app test checks the same against a real process and SIGTERM.)</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task StreamStillOpenAtTheShutdownTimeout_IsEnded_AndRecordedAsShutdown()
    {
        await using var fixture = new GatewayFixture();
        await fixture.InitializeAsync();
        var s = await fixture.ScenarioAsync("anthropic", "claude-held", "claude-sonnet-4-5-20250929");
        s.Fake.Usage = new FakeUsage(Input: 321, Output: 5);
        s.Fake.ResetStreamEnded();
        var never = new TaskCompletionSource();
        s.Fake.HoldAfterFirstEvent = never.Task;
        var timeout = fixture.Router.Services.GetRequiredService<IOptions<ShutdownOptions>>().Value.Timeout;
        var inFlight = fixture.Router.Services.GetRequiredService<InFlightRequests>();

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true)), HttpCompletionOption.ResponseHeadersRead);
        var requestId = response.Headers.GetValues("x-agentrouter-request-id").Single();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Contains("message_start", await Requests.ReadEventAsync(reader));

        // What ApplicationStopping triggers (the test host would tear itself down on StopApplication, unlike Kestrel,
        // which waits for requests in flight: the published-app test covers that with a real SIGTERM).
        inFlight.BeginStopping();
        // Just short of the timeout the stream is still open; at the timeout it is ended.
        fixture.Router.Clock.Advance(timeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, inFlight.Count);
        Assert.False(s.Fake.StreamEnded.IsCompleted);
        fixture.Router.Clock.Advance(TimeSpan.FromMilliseconds(1));

        var record = await fixture.Router.Usage.For(requestId);
        Assert.Equal("shutdown", record.Error);
        Assert.Equal(321, record.InputTokens);
        Assert.Equal(FakeStreamEnd.ClientGone, await s.Fake.StreamEnded.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
