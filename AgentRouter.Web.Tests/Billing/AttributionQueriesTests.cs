using System.Globalization;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Console;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>The query behind the finance page: every filter narrows the roll-ups exactly as it would the raw records,
/// the charts and the CSV add up to the totals.</summary>
public sealed class AttributionQueriesTests(AttributionQueriesTests.GeneratedMonth fixture) : IClassFixture<AttributionQueriesTests.GeneratedMonth>
{
    private static readonly DateOnly June = new(2024, 6, 1);

    /// <summary>A router with a generated June of usage, rolled up once for the whole class.</summary>
    public sealed class GeneratedMonth : IAsyncLifetime
    {
        public RouterFactory Router { get; } = new();
        public UsageData Data { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Data = await UsageData.GenerateAsync(Router.Services, June, count: 1_500, seed: 21);
            await Router.Services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
        }

        public ValueTask DisposeAsync() => Router.DisposeAsync();
    }

    private RouterFactory Router => fixture.Router;
    private UsageData Data => fixture.Data;
    private AttributionQueries Queries => Router.Services.GetRequiredService<AttributionQueries>();

    public static TheoryData<string> Filters => ["none", "team", "developer", "agent", "model", "billing", "team+billing", "one day"];

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Report_MatchesTheRawRecords_ForEachFilter(string which)
    {
        var (filter, match) = Filter(which);

        var report = await Queries.ReportAsync(filter, CancellationToken.None);

        var raw = Data.InMonth.Where(r => Data.Teams.Any(t => t.Id == r.TeamId)).Where(match).ToList();
        Assert.NotEmpty(raw);
        Assert.Equal(raw.Count, report.Totals.Requests);
        Assert.Equal(raw.Sum(r => r.TotalTokens), report.Totals.Tokens);
        Assert.Equal(raw.Sum(r => r.CostUsd), report.Totals.CostUsd);
        Assert.Equal(raw.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), report.Totals.BilledUsd);
        Assert.Equal(raw.Where(r => r.Billing == UsageBilling.Passthrough).Sum(r => r.CostUsd), report.Totals.NotionalPassthroughUsd);
        Assert.Equal(raw.Count(r => r.Status >= 400 || r.Error != null), report.Totals.Errors);
        // Every chart adds up to the totals.
        Assert.Equal(report.Totals.CostUsd, report.SpendByTeam.Sum(t => t.CostUsd.Sum()));
        Assert.Equal(report.Totals.CostUsd, report.ByModel.Sum(s => s.CostUsd));
        Assert.Equal(report.Totals.Tokens, report.ByAgent.Sum(s => s.Tokens));
        Assert.Equal(filter.To.DayNumber - filter.From.DayNumber + 1, report.Buckets.Count);
        Assert.All(report.SpendByTeam, t => Assert.Equal(report.Buckets.Count, t.CostUsd.Count));
    }

    [Fact]
    public async Task SpendOverTime_PutsEachHourInItsDay()
    {
        var report = await Queries.ReportAsync(new AttributionFilter(June, June.AddMonths(1).AddDays(-1)), CancellationToken.None);
        var ours = report.SpendByTeam.Where(t => Data.Teams.Any(team => team.Id == t.TeamId)).ToList();

        foreach (var team in ours)
            for (var day = 0; day < report.Buckets.Count; day++)
                Assert.Equal(Data.InMonth.Where(r => r.TeamId == team.TeamId && r.At.UtcDateTime.Day == day + 1).Sum(r => r.CostUsd), team.CostUsd[day]);
    }

    [Fact]
    public async Task TopDevelopers_AreRankedByCost_PerPersonAndPerServiceAgent()
    {
        var report = await Queries.ReportAsync(new AttributionFilter(June, June.AddMonths(1).AddDays(-1)), CancellationToken.None);

        var expected = Data.InMonth.GroupBy(r => (r.DeveloperId, Service: r.DeveloperId is null ? (r.TeamId, r.Agent) : default))
            .Select(g => g.Sum(r => r.CostUsd)).OrderDescending().Take(10).ToList();
        Assert.Equal(expected, report.TopDevelopers.Select(s => s.CostUsd));
        var top = Data.Developers.Select(d => (d.Name, Cost: Data.InMonth.Where(r => r.DeveloperId == d.Id).Sum(r => r.CostUsd))).MaxBy(d => d.Cost);
        Assert.Contains(report.TopDevelopers, s => s.Name == top.Name && s.CostUsd == top.Cost);
    }

    [Fact]
    public async Task LongPeriods_ChartPerMonth()
    {
        var report = await Queries.ReportAsync(new AttributionFilter(new DateOnly(2024, 1, 15), new DateOnly(2024, 12, 31), TeamId: Data.Teams[0].Id), CancellationToken.None);

        Assert.Equal(12, report.Buckets.Count);
        Assert.Equal("Jun 2024", report.Buckets[5]);
        Assert.Equal(report.Totals.CostUsd, report.SpendByTeam.Single().CostUsd[5]);
    }

    [Fact]
    public async Task AttributionCsv_OverHttp_AddsUpToThePageTotals()
    {
        var filter = new AttributionFilter(June, June.AddMonths(1).AddDays(-1), Billing: UsageBilling.Central);
        var report = await Queries.ReportAsync(filter, CancellationToken.None);
        var admin = Router.Admin();

        var rows = CsvTable.Parse(await admin.Http.GetStringAsync("/api/finance/attribution.csv?" + AttributionQuery.QueryString(filter)));

        var (lines, total) = (rows.Where(r => r["team"] != "TOTAL").ToList(), rows.Single(r => r["team"] == "TOTAL"));
        Assert.Equal(report.Rows.Count, lines.Count);
        Assert.All(lines, l => Assert.Equal("central", l["billing"]));
        foreach (var (column, expected) in new[] { ("requests", (decimal)report.Totals.Requests), ("tokens", report.Totals.Tokens), ("cost_usd", report.Totals.CostUsd), ("billed_usd", report.Totals.BilledUsd) })
        {
            Assert.Equal(expected, decimal.Parse(total[column], CultureInfo.InvariantCulture));
            Assert.Equal(expected, lines.Sum(l => decimal.Parse(l[column], CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public async Task AttributionApi_RejectsAnInvertedPeriodAndAnUnknownBillingMode()
    {
        var admin = Router.Admin();

        await admin.SendAsync(HttpMethod.Get, "/api/finance/attribution?from=2024-06-10&to=2024-06-01", expected: System.Net.HttpStatusCode.BadRequest);
        await admin.SendAsync(HttpMethod.Get, "/api/finance/attribution?billing=free", expected: System.Net.HttpStatusCode.BadRequest);
        var json = await admin.SendAsync(HttpMethod.Get, $"/api/finance/attribution?from=2024-06-01&to=2024-06-30&teamId={Data.Teams[1].Id}");
        Assert.Equal(Data.InMonth.Count(r => r.TeamId == Data.Teams[1].Id), json["totals"]!["requests"]!.GetValue<long>());
    }

    [Fact]
    public void Charts_StackTeamsBeyondTheLimitAsOther()
    {
        var teams = Enumerable.Range(0, FinanceCharts.MaxTeamSeries + 3)
            .Select(i => new TeamSeries(Guid.NewGuid(), $"team {i}", [i, 1m])).ToList();
        var report = new AttributionReport(new AttributionFilter(June, June.AddDays(1)), new AttributionTotals(0, 0, 0, 0, 0, 0), ["a", "b"], teams, [], [], [], []);

        var series = FinanceCharts.SpendByTeam(report);

        Assert.Equal(FinanceCharts.MaxTeamSeries + 1, series.Series.Count);
        Assert.Equal("Other teams", series.Series[^1].Name);
        Assert.Equal(new double?[] { 8 + 9 + 10, 3 }, series.Series[^1].Values);
    }

    private (AttributionFilter, Func<UsageRecord, bool>) Filter(string which)
    {
        var all = new AttributionFilter(June, June.AddMonths(1).AddDays(-1));
        var team = Data.Teams[0].Id;
        var developer = Data.Developers[4].Id;
        return which switch
        {
            "team" => (all with { TeamId = team }, r => r.TeamId == team),
            "developer" => (all with { DeveloperId = developer }, r => r.DeveloperId == developer),
            "agent" => (all with { Agent = "claude-code" }, r => r.Agent == "claude-code"),
            "model" => (all with { Model = "claude-sonnet-4-5-20250929" }, r => r.UpstreamModel == "claude-sonnet-4-5-20250929"),
            "billing" => (all with { Billing = UsageBilling.Passthrough }, r => r.Billing == UsageBilling.Passthrough),
            "team+billing" => (all with { TeamId = team, Billing = UsageBilling.Central }, r => r.TeamId == team && r.Billing == UsageBilling.Central),
            "one day" => (all with { From = new DateOnly(2024, 6, 30), To = new DateOnly(2024, 6, 30) }, r => r.At >= new DateTimeOffset(2024, 6, 30, 0, 0, 0, TimeSpan.Zero)),
            _ => (all, _ => true),
        };
    }
}
