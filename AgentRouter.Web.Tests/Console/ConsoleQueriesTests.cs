using AgentRouter.Web.Console;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Console;

/// <summary>The console's read models, against the real store: every grid sort translates to SQL and pages correctly.</summary>
public sealed class ConsoleQueriesTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private ConsoleQueries Queries => fixture.Router.Services.GetRequiredService<ConsoleQueries>();

    [Theory]
    [InlineData(null, false)]
    [InlineData("Name", true)]
    [InlineData("Slug", false)]
    [InlineData("CreatedAt", true)]
    public async Task Teams_PageSortAndSearch(string? sortBy, bool descending)
    {
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.CreateKeyAsync(teamId, await admin.CreateDeveloperAsync(teamId));

        var found = await Queries.TeamsAsync(new GridQuery(0, 10, slug, sortBy, descending), CancellationToken.None);
        var all = await Queries.TeamsAsync(new GridQuery(0, 1, null, sortBy, descending), CancellationToken.None);

        var row = Assert.Single(found.Items);
        Assert.Equal((slug, 1, 1), (row.Slug, row.Developers, row.ActiveKeys));
        Assert.Single(all.Items);
        Assert.True(all.Total >= 1);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Email")]
    [InlineData("Team")]
    public async Task Developers_PageSortAndSearch(string? sortBy)
    {
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        var developerId = await admin.CreateDeveloperAsync(teamId);

        var page = await Queries.DevelopersAsync(new GridQuery(0, 50, null, sortBy), teamId, CancellationToken.None);

        var row = Assert.Single(page.Items);
        Assert.Equal((developerId, slug), (row.Id, row.Team));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Name")]
    [InlineData("LastUsedAt")]
    [InlineData("Status")]
    public async Task Keys_ShowOwnerAndStatus(string? sortBy)
    {
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        var (revoked, _) = await admin.CreateKeyAsync(teamId, await admin.CreateDeveloperAsync(teamId));
        await admin.CreateKeyAsync(teamId, null, serviceAgent: "ci-bot");
        await admin.RevokeKeyAsync(revoked);

        var page = await Queries.KeysAsync(new GridQuery(0, 50, null, sortBy), teamId, null, CancellationToken.None);

        Assert.Equal(2, page.Total);
        Assert.Contains(page.Items, k => k.Id == revoked && k.Status == "revoked" && k.Team == slug);
        Assert.Contains(page.Items, k => k.Owner == "agent: ci-bot" && k.Status == "active");
    }

    [Fact]
    public async Task Overview_CountsTodaysRequestsTokensAndCost()
    {
        var s = await fixture.ScenarioAsync("anthropic", "overview-model", "overview-upstream");
        var rollUp = fixture.Router.Services.GetRequiredService<AgentRouter.Web.Billing.UsageRollupJob>();
        await rollUp.RunAsync(CancellationToken.None);
        var before = await Queries.OverviewAsync(CancellationToken.None);
        s.Fake.Usage = new Fakes.FakeUsage(Input: 100, Output: 50);
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        await fixture.Router.Usage.For(response);
        await rollUp.RunAsync(CancellationToken.None);

        var after = await Queries.OverviewAsync(CancellationToken.None);

        Assert.Equal(before.Today.Requests + 1, after.Today.Requests);
        Assert.Equal(before.Today.Tokens + 150, after.Today.Tokens);
        Assert.Equal(before.Month.CostUsd + (100 * 3m + 50 * 15m) / 1_000_000m, after.Month.CostUsd);
        Assert.Equal(14, after.Daily.Count);
        Assert.Contains(after.TopTeams, t => t.TeamId == s.TeamId);
    }

    [Fact]
    public async Task ProfileHistory_DescribesPinsAddedMovedAndRemoved()
    {
        var s = await fixture.ScenarioAsync("openai", "pinned", "pin-v1");
        await s.Admin.PriceAsync("pin-v2");
        await s.Admin.PutProfileAsync(s.TeamId, ("pinned", s.ProviderId, "pin-v2"));
        await s.Admin.PutProfileAsync(s.TeamId);

        var history = await Queries.ProfileHistoryAsync(s.TeamId, CancellationToken.None);

        Assert.Equal(["removed pinned", "pinned: pin-v1 → pin-v2", "approved pinned → pin-v1"], history.Select(h => h.Summary));
    }

    [Fact]
    public async Task Audit_SearchesAcrossActorActionAndEntity()
    {
        var admin = fixture.Router.Admin();
        var (teamId, _) = await admin.CreateTeamAsync();

        var page = await Queries.AuditAsync(new GridQuery(0, 10, teamId.ToString()), CancellationToken.None);

        Assert.Contains(page.Items, e => e.Action == "team.created");
    }
}
