using AgentRouter.Web.Routing;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Tests.Routing;

public sealed class TargetBreakerTests
{
    private static readonly RoutingOptions Options = new() { FailureRatio = 0.5, MinimumThroughput = 4, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(20) };

    private static ValueTask<AttemptOutcome> Answer(int status) => ValueTask.FromResult(new AttemptOutcome(ForwarderError.None, status));

    [Fact]
    public async Task Breaker_OpensAfterRepeatedFailures_AndClosesAfterASuccessfulTrial()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero));
        var breaker = new TargetBreaker(Options, clock);

        for (var i = 0; i < 4; i++)
            Assert.NotNull(await breaker.ExecuteAsync(() => Answer(503)));

        Assert.False(breaker.IsAvailable);
        var sent = false;
        Assert.Null(await breaker.ExecuteAsync(() => { sent = true; return Answer(200); }));
        Assert.False(sent);
        var open = breaker.Status();
        Assert.Equal(("open", clock.GetUtcNow().AddSeconds(20), 0L, 4L, "503"), (open.State, open.RestedUntil, open.Served, open.Failed, open.LastFailure));

        clock.Advance(TimeSpan.FromSeconds(19));
        Assert.False(breaker.IsAvailable);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.IsAvailable);
        Assert.Equal("half-open", breaker.Status().State);

        Assert.Equal(200, (await breaker.ExecuteAsync(() => Answer(200)))!.Value.Status);
        Assert.True(breaker.IsAvailable);
        Assert.Equal(("closed", 1L), (breaker.Status().State, breaker.Status().Served));
    }

    [Fact]
    public async Task Breaker_AFailedTrial_RestsTheTargetAgain()
    {
        var clock = new FakeTimeProvider();
        var breaker = new TargetBreaker(Options, clock);
        for (var i = 0; i < 4; i++)
            await breaker.ExecuteAsync(() => ValueTask.FromResult(new AttemptOutcome(ForwarderError.Request, 0)));
        clock.Advance(TimeSpan.FromSeconds(20));

        await breaker.ExecuteAsync(() => Answer(429));

        Assert.False(breaker.IsAvailable);
        Assert.Equal(("open", "429"), (breaker.Status().State, breaker.Status().LastFailure));
    }

    [Fact]
    public async Task Breaker_ClientErrorsAndSuccesses_KeepItClosed()
    {
        var breaker = new TargetBreaker(Options, new FakeTimeProvider());

        for (var i = 0; i < 10; i++)
            await breaker.ExecuteAsync(() => Answer(i % 2 == 0 ? 400 : 200));

        Assert.True(breaker.IsAvailable);
        Assert.Equal(("closed", 10L, 0L), (breaker.Status().State, breaker.Status().Served, breaker.Status().Failed));
    }

    [Theory]
    [InlineData(ForwarderError.None, 503, true, true)]
    [InlineData(ForwarderError.None, 529, true, true)]
    [InlineData(ForwarderError.None, 429, true, true)]
    [InlineData(ForwarderError.None, 500, true, true)]
    [InlineData(ForwarderError.None, 200, false, false)]
    [InlineData(ForwarderError.None, 404, false, false)]
    [InlineData(ForwarderError.Request, 0, true, true)]
    [InlineData(ForwarderError.RequestTimedOut, 0, true, true)]
    [InlineData(ForwarderError.ResponseBodyDestination, 200, true, false)]
    [InlineData(ForwarderError.ResponseBodyClient, 200, false, false)]
    [InlineData(ForwarderError.RequestCanceled, 0, false, false)]
    public void Outcome_FailureAndFailover(ForwarderError error, int status, bool failure, bool failOver)
    {
        var outcome = new AttemptOutcome(error, status);

        Assert.Equal((failure, failOver), (outcome.IsFailure, outcome.MayFailOver));
    }
}
