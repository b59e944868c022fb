using System.Reflection;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>The request log's query: keyset pages that together hold every matching record exactly once, newest first,
/// for each filter; the filter's URL form; the drawer's fields and the CSV.</summary>
public sealed class RequestLogTests(RequestLogTests.GeneratedMonth fixture) : IClassFixture<RequestLogTests.GeneratedMonth>
{
    private static readonly DateOnly February = new(2023, 2, 1);

    public sealed class GeneratedMonth : IAsyncLifetime
    {
        public RouterFactory Router { get; } = new();
        public UsageData Data { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Data = await UsageData.GenerateAsync(Router.Services, February, count: 700, seed: 41);
            // Records that share one instant: the id breaks the tie, and a page boundary may fall between them.
            var tied = Data.Records.Take(25).Select((r, i) => new UsageRecord
            {
                At = Data.Start.AddDays(10), RequestId = $"tied-{i}", TeamId = r.TeamId, DeveloperId = r.DeveloperId, ApiKeyId = r.ApiKeyId,
                Agent = r.Agent, Surface = r.Surface, RequestedModel = r.RequestedModel, Status = 200,
            }).ToArray();
            await UsageData.AddAsync(Router.Services, tied);
            Data.Records.AddRange(tied);
            await Router.Services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
        }

        public ValueTask DisposeAsync() => Router.DisposeAsync();
    }

    private UsageData Data => fixture.Data;
    private RequestLogQueries Queries => fixture.Router.Services.GetRequiredService<RequestLogQueries>();
    private RequestLogFilter Month => new(From: Data.Start, To: Data.End);

    public static TheoryData<string> Filters => ["month", "team", "developer", "agent", "model", "account", "ok", "failed", "502", "error", "window", "team+failed"];

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Pages_HoldEveryMatchingRecordOnce_NewestFirst(string which)
    {
        var (filter, match) = Filter(which);
        var expected = Data.InMonth.Where(match).OrderByDescending(r => r.At).ThenByDescending(r => r.Id).Select(r => r.Id).ToList();
        Assert.NotEmpty(expected);

        var seen = new List<long>();
        RequestLogCursor? cursor = null;
        var pages = 0;
        do
        {
            var page = await Queries.PageAsync(filter, cursor, pageSize: 37, CancellationToken.None);
            Assert.True(page.Rows.Count <= 37);
            seen.AddRange(page.Rows.Select(r => r.Id));
            cursor = page.Next;
            pages++;
        } while (cursor is not null && pages < 1_000);

        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 36) / 37, pages);
    }

    [Fact]
    public async Task Page_NamesTeamsAndDevelopers_AndCarriesTokensCostAndLatency()
    {
        var record = Data.InMonth.Where(r => r.DeveloperId is not null && r.TimeToFirstByteMs is not null).MaxBy(r => (r.At, r.Id))!;
        var page = await Queries.PageAsync(new RequestLogFilter(From: record.At, To: record.At.AddTicks(1), DeveloperId: record.DeveloperId), null, 10, CancellationToken.None);

        var row = Assert.Single(page.Rows, r => r.Id == record.Id);
        Assert.Equal(Data.Teams.Single(t => t.Id == record.TeamId).Name, row.Team);
        Assert.Equal(Data.Developers.Single(d => d.Id == record.DeveloperId).Name, row.Developer);
        Assert.Equal((record.TotalTokens, record.CostUsd, record.LatencyMs, record.TimeToFirstByteMs), (row.TotalTokens, row.CostUsd, row.LatencyMs, row.TimeToFirstByteMs));
    }

    [Fact]
    public async Task Detail_ShowsEveryFieldOfTheRecord_AndOnlyToItsDeveloper()
    {
        var record = Data.InMonth.First(r => r.DeveloperId is not null && r.Error is not null);

        var fields = await Queries.DetailAsync(record.Id, null, CancellationToken.None);

        Assert.NotNull(fields);
        var byName = fields.ToDictionary(f => f.Name, f => f.Value);
        foreach (var property in typeof(UsageRecord).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            Assert.Contains(byName.Keys, name => name.Replace("_", "").Equals(property.Name, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(record.Error, byName["error"]);
        Assert.Equal(record.RequestId, byName["request_id"]);
        Assert.Equal(Data.Teams.Single(t => t.Id == record.TeamId).Name, byName["team_name"]);
        Assert.Equal(record.LatencyMs.ToString(), byName["latency_ms"]);
        Assert.NotNull(await Queries.DetailAsync(record.Id, record.DeveloperId, CancellationToken.None));
        Assert.Null(await Queries.DetailAsync(record.Id, Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task Csv_HoldsTheFilteredRecordsWithEveryField()
    {
        var team = Data.Teams[0];
        var writer = new StringWriter();

        var written = await Queries.WriteCsvAsync(Month with { TeamId = team.Id, Status = "failed" }, writer, CancellationToken.None);

        var lines = writer.ToString().Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var expected = Data.InMonth.Count(r => r.TeamId == team.Id && r.Status >= 400);
        Assert.Equal(expected, written);
        Assert.Equal(expected + 1, lines.Length);
        Assert.Equal(string.Join(',', RecordFields.Names), lines[0]);
        Assert.Contains("team_name", RecordFields.Names);
        Assert.Contains("cost_usd", RecordFields.Names);
        Assert.Contains("time_to_first_byte_ms", RecordFields.Names);
    }

    [Fact]
    public void Filter_RoundTripsThroughTheQueryString()
    {
        var filter = new RequestLogFilter(Data.Start, Data.End, null, Guid.NewGuid(), Guid.NewGuid(), "claude-code", "claude sonnet/4.5", Guid.NewGuid(), "failed", "client_disconnected");

        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + filter.ToQueryString());
        var (parsed, problems) = RequestLogFilter.Parse(query);

        Assert.False(problems.Any);
        Assert.Equal(filter, parsed);
        Assert.Equal(new RequestLogFilter(Last: "24h"), RequestLogFilter.Parse(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?last=24h")).Filter);
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("team=not-a-guid", "team")]
    [InlineData("last=2y", "last")]
    [InlineData("last=24h&from=2026-01-01T00:00:00Z", "last")]
    [InlineData("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to")]
    [InlineData("status=teapot", "status")]
    public void Filter_RefusesWhatDoesNotParse(string query, string field)
    {
        var (_, problems) = RequestLogFilter.Parse(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery("?" + query));

        Assert.Contains(field, problems.ToDictionary().Keys);
    }

    [Fact]
    public void Cursor_RoundTrips_AndRefusesGarbage()
    {
        var cursor = new RequestLogCursor(Data.Start.AddMinutes(3), 12345);

        Assert.Equal(cursor, RequestLogCursor.Parse(cursor.ToString()));
        Assert.Null(RequestLogCursor.Parse("12-x"));
        Assert.Null(RequestLogCursor.Parse("-5-1"));
        Assert.Null(RequestLogCursor.Parse(null));
    }

    private (RequestLogFilter Filter, Func<UsageRecord, bool> Match) Filter(string which)
    {
        var team = Data.Teams[1];
        var developer = Data.Developers[4];
        var account = Data.Records.First(r => r.ProviderAccountId is not null).ProviderAccountId;
        var windowStart = Data.Start.AddDays(3);
        var windowEnd = Data.Start.AddDays(9).AddHours(5);
        return which switch
        {
            "month" => (Month, _ => true),
            "team" => (Month with { TeamId = team.Id }, r => r.TeamId == team.Id),
            "developer" => (Month with { DeveloperId = developer.Id }, r => r.DeveloperId == developer.Id),
            "agent" => (Month with { Agent = UsageData.Agents[2] }, r => r.Agent == UsageData.Agents[2]),
            "model" => (Month with { Model = "gpt-5" }, r => r.RequestedModel == "gpt-5"),
            "account" => (Month with { ProviderAccountId = account }, r => r.ProviderAccountId == account),
            "ok" => (Month with { Status = "ok" }, r => r.Status < 400),
            "failed" => (Month with { Status = "failed" }, r => r.Status >= 400),
            "502" => (Month with { Status = "502" }, r => r.Status == 502),
            "error" => (Month with { Error = "model_not_approved" }, r => r.Error == "model_not_approved"),
            "window" => (new RequestLogFilter(From: windowStart, To: windowEnd), r => r.At >= windowStart && r.At < windowEnd),
            "team+failed" => (Month with { TeamId = team.Id, Status = "failed" }, r => r.TeamId == team.Id && r.Status >= 400),
            _ => throw new ArgumentOutOfRangeException(nameof(which)),
        };
    }
}
