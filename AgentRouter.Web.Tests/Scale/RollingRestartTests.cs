using System.Net;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>A replica is stopped gracefully (what SIGTERM does) while it streams; traffic moves to the other one and
/// no usage record is lost.</summary>
public sealed class RollingRestartTests(KestrelReplicaFixture fixture) : IClassFixture<KestrelReplicaFixture>
{
    [Fact]
    public async Task StoppingAReplicaUnderLoad_WithTrafficShiftingToTheOther_LosesNoUsageRecord()
    {
        var s = await fixture.ScenarioAsync(fixture.A);
        var (a, b) = (fixture.A.Gateway(), fixture.B.Gateway());
        var release = new TaskCompletionSource();
        fixture.Fake.HoldAfterFirstEvent = release.Task;
        List<HttpResponseMessage> onA;
        try
        {
            // Streams open on A, each held after its first event.
            onA = [.. await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
                a.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName, stream: true), HttpCompletionOption.ResponseHeadersRead)))];
            Assert.All(onA, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

            var stopping = fixture.A.Services.GetRequiredService<IHost>().StopAsync();
            // A reports itself not ready at once, so a load balancer sends new requests to B.
            var lifetime = fixture.A.Services.GetRequiredService<IHostApplicationLifetime>();
            Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
            fixture.Fake.HoldAfterFirstEvent = null;
            var onB = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => b.SendAsync(ReplicaFixture.Message(s.Key, s.PublicName))));
            Assert.All(onB, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

            // A's open streams finish while it stops.
            release.SetResult();
            foreach (var response in onA)
                Assert.Contains("message_stop", await response.Content.ReadAsStringAsync());
            await stopping.WaitAsync(TimeSpan.FromSeconds(60));

            var expected = onA.Concat(onB).Select(r => r.Headers.GetValues("x-agentrouter-request-id").Single()).ToHashSet();
            await fixture.B.Usage.For(onB[^1]);
            await using var db = await fixture.B.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            var stored = await db.Usage.Where(u => u.TeamId == s.TeamId).Select(u => u.RequestId).ToListAsync();
            // B's writer may still hold a few of its own; wait for each.
            foreach (var id in expected.Except(stored))
                await fixture.B.Usage.For(id);
            stored = await db.Usage.Where(u => u.TeamId == s.TeamId).Select(u => u.RequestId).ToListAsync();

            Assert.Equal(50, expected.Count);
            Assert.Equal(expected.Order(), stored.Order());
        }
        finally
        {
            release.TrySetResult();
            fixture.Fake.HoldAfterFirstEvent = null;
        }
    }
}
