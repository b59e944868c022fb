using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>On PostgreSQL replicas commit usage concurrently, so a lower id can become visible after a higher one has
/// been rolled up; the lagging watermark counts it anyway, at every roll-up level.</summary>
public sealed class LaggingWatermarkTests(PostgresRouterFactory router) : IClassFixture<PostgresRouterFactory>
{
    [Fact]
    public async Task ARecordCommittedLateWithALowerId_IsRolledUp_NotSkipped()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2031, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var factory = router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var job = new UsageRollupJob(factory, new BillingCalendar(Options.Create(new InvoiceOptions())), clock, Options.Create(new InvoiceOptions()),
            Options.Create(new DataOptions { Provider = DataProvider.PostgreSQL }), NullLogger<UsageRollupJob>.Instance);
        var team = Guid.NewGuid();
        var account = Guid.NewGuid();
        UsageRecord Record(string id) => new()
        {
            At = clock.GetUtcNow(), RequestId = id, TeamId = team, ApiKeyId = Guid.NewGuid(), Agent = "claude-code", Surface = "anthropic.messages",
            RequestedModel = "m", UpstreamModel = "m", Status = 200, InputTokens = 100, OutputTokens = 10, CostUsd = 0.01m,
            ProviderAccountId = account, LatencyMs = 120,
        };

        // Replica 1 takes an id and has not committed yet; replica 2 takes the next id and commits.
        await using var slow = await factory.CreateDbContextAsync();
        await using var slowTransaction = await slow.Database.BeginTransactionAsync();
        var late = Record("late");
        slow.Usage.Add(late);
        await slow.SaveChangesAsync();
        await using (var fast = await factory.CreateDbContextAsync())
        {
            var early = Record("early");
            fast.Usage.Add(early);
            await fast.SaveChangesAsync();
            Assert.True(early.Id > late.Id);
        }

        var firstRun = await job.RunAsync(CancellationToken.None);
        await slowTransaction.CommitAsync();
        clock.Advance(job.Lag + TimeSpan.FromSeconds(1));
        var secondRun = await job.RunAsync(CancellationToken.None);

        await using var db = await factory.CreateDbContextAsync();
        var rollup = await db.UsageRollups.SingleAsync(r => r.TeamId == team);
        var daily = await db.DailyUsageRollups.SingleAsync(r => r.TeamId == team);
        var latency = await db.LatencyRollups.SingleAsync(r => r.ProviderAccountId == account);
        Assert.Equal(0, firstRun);
        Assert.Equal(2, secondRun);
        Assert.Equal((2, 220), (rollup.Requests, rollup.InputTokens + rollup.OutputTokens));
        // Every level waits for the same horizon: the late record is in the daily and latency levels too.
        Assert.Equal((2, 220), (daily.Requests, daily.InputTokens + daily.OutputTokens));
        Assert.Equal(2, latency.Requests);
    }
}
