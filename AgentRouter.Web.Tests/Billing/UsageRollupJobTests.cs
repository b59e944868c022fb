using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>The hourly roll-ups equal a direct aggregate of the raw records, however often and however concurrently the
/// job runs; on each store the product supports.</summary>
public abstract class UsageRollupJobTests<TRouter>(TRouter router) where TRouter : RouterFactory
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private UsageRollupJob Job(int batchSize = 700, string zone = "UTC") =>
        new(router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), Calendar(zone), _clock,
            Options.Create(new InvoiceOptions { RollupLag = TimeSpan.Zero }), Options.Create(new DataOptions()), NullLogger<UsageRollupJob>.Instance) { BatchSize = batchSize };

    private static BillingCalendar Calendar(string zone) => new(Options.Create(new InvoiceOptions { TimeZone = zone }));

    [Fact]
    public async Task RollUp_OfAGeneratedMonth_IsExact_AndRunningItAgainChangesNothing()
    {
        var data = await UsageData.GenerateAsync(router.Services, new DateOnly(2025, 3, 1), count: 3_000, seed: 1);

        await Job().RunAsync(CancellationToken.None);
        var first = await RollupsAsync(data);
        var watermark = await WatermarkAsync();
        var again = await Job().RunAsync(CancellationToken.None);
        var second = await RollupsAsync(data);

        Assert.Equal(0, again);
        Assert.Equal(first, second);
        Assert.Equal(await WatermarkAsync(), watermark);
        Assert.Equal(Expected(data.Records), second);
        Assert.Equal(data.Records.Max(r => r.Id), watermark);
        Assert.Equal(ExpectedDaily(data.Records, Calendar("UTC")), await DailyAsync(data));
        Assert.Equal(ExpectedMonthly(data.Records, Calendar("UTC")), await MonthlyAsync(data));
        Assert.Equal(ExpectedLatency(data.Records), await LatencyAsync(data));
    }

    [Fact]
    public async Task DailyAndMonthlyLevels_FollowTheTimeZone_AndAreRebuiltWhenTheZoneChanges()
    {
        var data = await UsageData.GenerateAsync(router.Services, new DateOnly(2025, 6, 1), count: 800, seed: 4);
        await Job().RunAsync(CancellationToken.None);
        Assert.Equal(ExpectedDaily(data.Records, Calendar("UTC")), await DailyAsync(data));

        await Job(batchSize: 300, zone: "America/New_York").RunAsync(CancellationToken.None);

        var newYork = await DailyAsync(data);
        Assert.Equal(ExpectedDaily(data.Records, Calendar("America/New_York")), newYork);
        Assert.NotEqual(ExpectedDaily(data.Records, Calendar("UTC")), newYork);
        // The month's first tick in UTC is the evening of the month before in New York.
        Assert.Equal(ExpectedMonthly(data.Records, Calendar("America/New_York")), await MonthlyAsync(data));
        Assert.NotEqual(ExpectedMonthly(data.Records, Calendar("UTC")), await MonthlyAsync(data));
        Assert.Equal(Expected(data.Records), await RollupsAsync(data));
    }

    [Fact]
    public async Task RecordsArrivingLater_AreAddedToTheirHours_IncludingHoursAlreadyRolledUp()
    {
        var data = await UsageData.GenerateAsync(router.Services, new DateOnly(2025, 4, 1), count: 500, seed: 2);
        await Job().RunAsync(CancellationToken.None);

        // Same keys and hours as records already counted, with new ids: they must add to the existing rows.
        var late = data.Records.Take(40).Select(r => new UsageRecord
        {
            At = r.At, RequestId = Guid.NewGuid().ToString("N"), TeamId = r.TeamId, DeveloperId = r.DeveloperId, ApiKeyId = r.ApiKeyId, Agent = r.Agent,
            Surface = r.Surface, RequestedModel = r.RequestedModel, UpstreamModel = r.UpstreamModel, Billing = r.Billing, Status = r.Status, Error = r.Error,
            InputTokens = r.InputTokens + 1, OutputTokens = r.OutputTokens, CacheWriteTokens = r.CacheWriteTokens, CacheReadTokens = r.CacheReadTokens,
            CostUsd = r.CostUsd + 0.000000001m,
        }).ToArray();
        await UsageData.AddAsync(router.Services, late);
        var counted = await Job(batchSize: 7).RunAsync(CancellationToken.None);

        Assert.Equal(late.Length, counted);
        Assert.Equal(Expected(data.Records.Concat(late)), await RollupsAsync(data));
        Assert.Equal(ExpectedDaily(data.Records.Concat(late), Calendar("UTC")), await DailyAsync(data));
        Assert.Equal(ExpectedMonthly(data.Records.Concat(late), Calendar("UTC")), await MonthlyAsync(data));
    }

    [Fact]
    public async Task ConcurrentRuns_CountEveryRecordOnce()
    {
        var data = await UsageData.GenerateAsync(router.Services, new DateOnly(2025, 5, 1), count: 2_000, seed: 3);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Job(batchSize: 150).RunAsync(CancellationToken.None))));

        Assert.Equal(Expected(data.Records), await RollupsAsync(data));
        Assert.Equal(ExpectedDaily(data.Records, Calendar("UTC")), await DailyAsync(data));
        Assert.Equal(ExpectedMonthly(data.Records, Calendar("UTC")), await MonthlyAsync(data));
    }

    [Fact]
    public async Task PeriodReads_FromTheMonthlyAndDailyLevels_MatchTheRawRecords_ByTeamDeveloperAndAgent()
    {
        // July, and the same records a month later (31 days on: July 1 becomes August 1), so keys recur across months;
        // each month has records on its first and last ticks and just outside it.
        var july = await UsageData.GenerateAsync(router.Services, new DateOnly(2025, 7, 1), count: 1_500, seed: 5);
        var august = july.Records.Select(r => Copy(r, r.At.AddDays(31))).ToArray();
        await UsageData.AddAsync(router.Services, august);
        var records = july.Records.Concat(august).ToList();
        await Job().RunAsync(CancellationToken.None);

        DateOnly Jul(int day) => new(2025, 7, day);
        DateOnly Aug(int day) => new(2025, 8, day);
        (DateOnly From, DateOnly To, DateOnly Today)[] periods =
        [
            (Jul(1), Jul(31), Aug(20)),          // a past month: its monthly rows alone
            (Jul(1), Aug(14), Aug(14)),          // a month and a month to date; August's later records (ahead of "today") are subtracted
            (Jul(3), Aug(29), Aug(31)),          // each month's row less a few days at either end
            (Jul(20), Aug(10), Aug(31)),         // days added from the daily level
            (Jul(31), Aug(1), Aug(31)),          // two days across the month boundary
            (new(2025, 6, 30), new(2025, 9, 1), new(2025, 9, 1)), // the neighbours just outside the months too
        ];
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        foreach (var (from, to, today) in periods)
        {
            var months = await RollupPeriods.SumByKeyAsync(db, new AttributionFilter(from, to), today, TimeZoneInfo.Utc, CancellationToken.None);
            Assert.Equal(ExpectedByMonth(records, from, to), ByMonth(months, july));
            // Narrowed to one team, as the team page reads it.
            var team = july.Teams[1].Id;
            var teamMonths = await RollupPeriods.SumByKeyAsync(db, new AttributionFilter(from, to, TeamId: team), today, TimeZoneInfo.Utc, CancellationToken.None);
            Assert.Equal(ExpectedByMonth(records.Where(r => r.TeamId == team), from, to), ByMonth(teamMonths, july));
            // Summed per team by the database, as Overview reads its month and top teams: the same figures per team.
            var teams = await RollupPeriods.SumByTeamAsync(db, new AttributionFilter(from, to), today, TimeZoneInfo.Utc, CancellationToken.None);
            Assert.Equal(ExpectedByTeam(records, from, to), ByTeam(teams, july));
        }
        // The monthly level is really read: whole months and months to date, with days subtracted.
        Assert.All(RollupPeriods.Plan(Jul(1), Aug(14), Aug(14)), plan => Assert.True(plan.UseMonth));
        Assert.Contains(RollupPeriods.Plan(Jul(3), Aug(29), Aug(31)), plan => plan.UseMonth && plan.Subtract.Count == 1);

        // A monthly level that has not caught up (here: dropped) is not read; the daily level answers alone until the job
        // has rolled the records up again.
        await db.RollupWatermarks.Where(w => w.Name == RollupWatermark.MonthlyUsage(TimeZoneInfo.Utc)).ExecuteDeleteAsync();
        await db.MonthlyUsageRollups.ExecuteDeleteAsync();
        var fallback = await RollupPeriods.SumByKeyAsync(db, new AttributionFilter(Jul(1), Aug(31)), Aug(31), TimeZoneInfo.Utc, CancellationToken.None);
        Assert.Equal(ExpectedByMonth(records, Jul(1), Aug(31)), ByMonth(fallback, july));
        var fallbackTeams = await RollupPeriods.SumByTeamAsync(db, new AttributionFilter(Jul(3), Aug(29)), Aug(31), TimeZoneInfo.Utc, CancellationToken.None);
        Assert.Equal(ExpectedByTeam(records, Jul(3), Aug(29)), ByTeam(fallbackTeams, july));
        await Job().RunAsync(CancellationToken.None);
        Assert.Equal(ExpectedMonthly(records, Calendar("UTC")), await MonthlyAsync(july));
        var rebuilt = await RollupPeriods.SumByKeyAsync(db, new AttributionFilter(Jul(1), Aug(31)), Aug(31), TimeZoneInfo.Utc, CancellationToken.None);
        Assert.Equal(ExpectedByMonth(records, Jul(1), Aug(31)), ByMonth(rebuilt, july));
    }

    /// <summary>Per month of the period, team, developer and agent: requests, errors, tokens and cost of the records whose
    /// UTC day falls in the period.</summary>
    private static List<string> ExpectedByMonth(IEnumerable<UsageRecord> records, DateOnly from, DateOnly to) => records
        .Select(r => (Record: r, Day: DateOnly.FromDateTime(r.At.UtcDateTime)))
        .Where(x => x.Day >= from && x.Day <= to)
        .GroupBy(x => (Month: new DateOnly(x.Day.Year, x.Day.Month, 1), x.Record.TeamId, Developer: x.Record.DeveloperId ?? Guid.Empty, x.Record.Agent))
        .Select(g => DescribeMonth(g.Key.Month, g.Key.TeamId, g.Key.Developer, g.Key.Agent, g.Count(), g.Count(x => x.Record.Status >= 400 || x.Record.Error != null),
            g.Sum(x => x.Record.InputTokens), g.Sum(x => x.Record.OutputTokens), g.Sum(x => x.Record.CacheWriteTokens), g.Sum(x => x.Record.CacheReadTokens), g.Sum(x => x.Record.CostUsd)))
        .Order(StringComparer.Ordinal).ToList();

    private static List<string> ByMonth(IReadOnlyList<MonthSums> months, UsageData data) => months
        .SelectMany(m => m.Keys.Where(k => data.Teams.Any(t => t.Id == k.TeamId)).Select(k => (m.Month, Key: k)))
        .GroupBy(x => (x.Month, x.Key.TeamId, x.Key.DeveloperId, x.Key.Agent))
        .Select(g => DescribeMonth(g.Key.Month, g.Key.TeamId, g.Key.DeveloperId, g.Key.Agent, g.Sum(x => x.Key.Requests), g.Sum(x => x.Key.Errors),
            g.Sum(x => x.Key.InputTokens), g.Sum(x => x.Key.OutputTokens), g.Sum(x => x.Key.CacheWriteTokens), g.Sum(x => x.Key.CacheReadTokens), g.Sum(x => x.Key.CostUsd)))
        .Order(StringComparer.Ordinal).ToList();

    /// <summary>Per team: requests, errors, tokens and cost of the records whose UTC day falls in the period.</summary>
    private static List<string> ExpectedByTeam(IEnumerable<UsageRecord> records, DateOnly from, DateOnly to) => records
        .Where(r => DateOnly.FromDateTime(r.At.UtcDateTime) is var day && day >= from && day <= to)
        .GroupBy(r => r.TeamId)
        .Select(g => $"{g.Key}|{g.Count()}|{g.Count(r => r.Status >= 400 || r.Error != null)}|{g.Sum(r => r.TotalTokens)}|{g.Sum(r => r.CostUsd):0.000000000}")
        .Order(StringComparer.Ordinal).ToList();

    private static List<string> ByTeam(IReadOnlyList<TeamSums> teams, UsageData data) => teams
        .Where(t => data.Teams.Any(d => d.Id == t.TeamId))
        .Select(t => $"{t.TeamId}|{t.Requests}|{t.Errors}|{t.Tokens}|{t.CostUsd:0.000000000}")
        .Order(StringComparer.Ordinal).ToList();

    private static string DescribeMonth(DateOnly month, Guid team, Guid developer, string agent, long requests, long errors, long input, long output,
        long write, long read, decimal cost) =>
        $"{month:yyyy-MM}|{team}|{developer}|{agent}|{requests}|{errors}|{input}|{output}|{write}|{read}|{cost:0.000000000}";

    private static UsageRecord Copy(UsageRecord r, DateTimeOffset at) => new()
    {
        At = at, RequestId = Guid.NewGuid().ToString("N"), TeamId = r.TeamId, DeveloperId = r.DeveloperId, ApiKeyId = r.ApiKeyId, Agent = r.Agent,
        Surface = r.Surface, RequestedModel = r.RequestedModel, UpstreamModel = r.UpstreamModel, Billing = r.Billing, Status = r.Status, Error = r.Error,
        InputTokens = r.InputTokens, OutputTokens = r.OutputTokens, CacheWriteTokens = r.CacheWriteTokens, CacheReadTokens = r.CacheReadTokens,
        CostUsd = r.CostUsd, ProviderAccountId = r.ProviderAccountId, LatencyMs = r.LatencyMs, TimeToFirstByteMs = r.TimeToFirstByteMs,
    };

    /// <summary>The daily rows, computed directly from the raw records.</summary>
    private static List<string> ExpectedDaily(IEnumerable<UsageRecord> records, BillingCalendar calendar) => ExpectedPerPeriod(records, r => calendar.DayOf(r.At));

    /// <summary>The monthly rows (keyed by the month's first day), computed directly from the raw records.</summary>
    private static List<string> ExpectedMonthly(IEnumerable<UsageRecord> records, BillingCalendar calendar) => ExpectedPerPeriod(records, r => calendar.MonthOf(r.At));

    private static List<string> ExpectedPerPeriod(IEnumerable<UsageRecord> records, Func<UsageRecord, DateOnly> periodOf) => records
        .GroupBy(r => (Day: periodOf(r), r.TeamId, Developer: r.DeveloperId ?? Guid.Empty, r.Agent, Requested: r.RequestedModel ?? "", Upstream: r.UpstreamModel ?? "", r.Billing))
        .Select(g => DescribeDay(g.Key.Day, g.Key.TeamId, g.Key.Developer, g.Key.Agent, g.Key.Requested, g.Key.Upstream, g.Key.Billing, g.Count(),
            g.Count(r => r.Status >= 400 || r.Error != null), g.Sum(r => r.TotalTokens), g.Sum(r => r.CostUsd)))
        .Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> DailyAsync(UsageData data)
    {
        var teams = data.Teams.Select(t => t.Id).ToList();
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var rows = await db.DailyUsageRollups.AsNoTracking().Where(r => teams.Contains(r.TeamId)).ToListAsync();
        return rows.Select(r => DescribeDay(r.Day, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing, r.Requests, r.Errors,
            r.TotalTokens, r.CostUsd)).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<List<string>> MonthlyAsync(UsageData data)
    {
        var teams = data.Teams.Select(t => t.Id).ToList();
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var rows = await db.MonthlyUsageRollups.AsNoTracking().Where(r => teams.Contains(r.TeamId)).ToListAsync();
        return rows.Select(r => DescribeDay(r.Month, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing, r.Requests, r.Errors,
            r.TotalTokens, r.CostUsd)).Order(StringComparer.Ordinal).ToList();
    }

    private static string DescribeDay(DateOnly day, Guid team, Guid developer, string agent, string requested, string upstream, UsageBilling billing,
        long requests, long errors, long tokens, decimal cost) =>
        $"{day:yyyy-MM-dd}|{team}|{developer}|{agent}|{requested}|{upstream}|{billing}|{requests}|{errors}|{tokens}|{cost:0.000000000}";

    /// <summary>Per account, model and hour: the histograms of the successful records' latency and time to first byte.</summary>
    private static List<string> ExpectedLatency(IEnumerable<UsageRecord> records) => records
        .Where(r => r.Status < 400 && r.Error is null && r.ProviderAccountId is not null && r.UpstreamModel is not null)
        .GroupBy(r => (Hour: UsageRollupJob.HourOf(r.At), Account: r.ProviderAccountId!.Value, Model: r.UpstreamModel!))
        .Select(g =>
        {
            var (latency, firstByte) = (new LatencyHistogram(), new LatencyHistogram());
            foreach (var r in g)
            {
                latency.Add(r.LatencyMs);
                if (r.TimeToFirstByteMs is { } ttfb)
                    firstByte.Add(ttfb);
            }
            return $"{g.Key.Hour:O}|{g.Key.Account}|{g.Key.Model}|{latency.Count}|{latency}|{firstByte.Count}|{firstByte}";
        })
        .Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> LatencyAsync(UsageData data)
    {
        var accounts = data.Records.Where(r => r.ProviderAccountId is not null).Select(r => r.ProviderAccountId!.Value).Distinct().ToList();
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var rows = await db.LatencyRollups.AsNoTracking().Where(r => accounts.Contains(r.ProviderAccountId)).ToListAsync();
        return rows.Select(r => $"{r.HourUtc:O}|{r.ProviderAccountId}|{r.Model}|{r.Requests}|{r.Latency}|{r.FirstByteRequests}|{r.FirstByte}")
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>What the roll-up rows must hold, computed directly from the raw records.</summary>
    private static List<string> Expected(IEnumerable<UsageRecord> records) => records
        .GroupBy(r => (Hour: UsageRollupJob.HourOf(r.At), r.TeamId, Developer: r.DeveloperId ?? Guid.Empty, r.Agent, Requested: r.RequestedModel ?? "", Upstream: r.UpstreamModel ?? "", r.Billing))
        .Select(g => Describe(g.Key.Hour, g.Key.TeamId, g.Key.Developer, g.Key.Agent, g.Key.Requested, g.Key.Upstream, g.Key.Billing, g.Count(),
            g.Count(r => r.Status >= 400 || r.Error != null), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), g.Sum(r => r.CacheWriteTokens),
            g.Sum(r => r.CacheReadTokens), g.Sum(r => r.CostUsd)))
        .Order(StringComparer.Ordinal).ToList();

    private async Task<List<string>> RollupsAsync(UsageData data)
    {
        var teams = data.Teams.Select(t => t.Id).ToList();
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var rows = await db.UsageRollups.AsNoTracking().Where(r => teams.Contains(r.TeamId)).ToListAsync();
        return rows.Select(r => Describe(r.HourUtc, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing, r.Requests, r.Errors,
            r.InputTokens, r.OutputTokens, r.CacheWriteTokens, r.CacheReadTokens, r.CostUsd)).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<long> WatermarkAsync()
    {
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return (await db.RollupWatermarks.AsNoTracking().SingleAsync(w => w.Name == RollupWatermark.HourlyUsage)).LastUsageId;
    }

    private static string Describe(DateTimeOffset hour, Guid team, Guid developer, string agent, string requested, string upstream, UsageBilling billing,
        long requests, long errors, long input, long output, long write, long read, decimal cost) =>
        $"{hour:O}|{team}|{developer}|{agent}|{requested}|{upstream}|{billing}|{requests}|{errors}|{input}|{output}|{write}|{read}|{cost:0.000000000}";
}

public sealed class SqliteUsageRollupJobTests(RouterFactory router) : UsageRollupJobTests<RouterFactory>(router), IClassFixture<RouterFactory>;

public sealed class PostgresUsageRollupJobTests(PostgresRouterFactory router) : UsageRollupJobTests<PostgresRouterFactory>(router), IClassFixture<PostgresRouterFactory>;
