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

    [Fact]
    public async Task Audit_FindsATeamsEventsByItsName_AndShowsFieldsWithNamesNotIds()
    {
        var admin = fixture.Router.Admin();
        var name = $"Falcon {Guid.NewGuid():N}"[..15];
        var team = await admin.SendAsync(HttpMethod.Post, "/api/admin/teams", new { name, slug = $"falcon-{Guid.NewGuid():N}"[..20] }, System.Net.HttpStatusCode.Created);
        var teamId = team["id"]!.GetValue<Guid>();
        var developerId = await admin.CreateDeveloperAsync(teamId);
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily" } } });

        var page = await Queries.AuditAsync(new GridQuery(0, 20, name.ToUpperInvariant()), CancellationToken.None);

        Assert.Equal(["profile.updated", "developer.created", "team.created"], page.Items.Select(e => e.Action));
        var developer = page.Items.Single(e => e.Action == "developer.created");
        Assert.Contains(developer.Changes, c => c.Field == "teamId" && c.Before is null && c.After == name);
        var profile = page.Items.Single(e => e.Action == "profile.updated");
        Assert.Equal(name, profile.Entity);
        Assert.Contains(profile.Changes, c => c.Field == "budgets[team daily].tokens" && c.Before is null && c.After == "1000");
        Assert.DoesNotContain(profile.Changes, c => c.Field.StartsWith("models", StringComparison.Ordinal));
        Assert.NotEqual(Guid.Empty, developerId);
    }

    [Fact]
    public async Task ProfileHistory_NamesBudgetEdits_InsteadOfSayingNoPinChanged()
    {
        var s = await fixture.ScenarioAsync("openai", "history-model", "history-v1");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "developer", tokens = 5000, cadence = "weekly" } } });

        var history = await Queries.ProfileHistoryAsync(s.TeamId, CancellationToken.None);

        Assert.Equal("budgets changed", history[0].Summary);
        Assert.Equal("approved history-model → history-v1", history[1].Summary);
    }

    [Fact]
    public async Task Keys_SearchMatchesTheOwnerAndTheTeam()
    {
        var admin = fixture.Router.Admin();
        var teamName = $"Osprey {Guid.NewGuid():N}"[..14];
        var teamId = (await admin.SendAsync(HttpMethod.Post, "/api/admin/teams", new { name = teamName, slug = $"osprey-{Guid.NewGuid():N}"[..20] }, System.Net.HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var ownerName = $"Grace {Guid.NewGuid():N}"[..14];
        var developerId = (await admin.SendAsync(HttpMethod.Post, "/api/admin/developers",
            new { email = $"{Guid.NewGuid():N}@corp.example", name = ownerName, teamId }, System.Net.HttpStatusCode.Created))["id"]!.GetValue<Guid>();
        var (keyId, _) = await admin.CreateKeyAsync(teamId, developerId);

        var byOwner = await Queries.KeysAsync(new GridQuery(0, 10, ownerName.ToLowerInvariant()), null, null, CancellationToken.None);
        var byTeam = await Queries.KeysAsync(new GridQuery(0, 10, teamName), null, null, CancellationToken.None);

        Assert.Equal(keyId, Assert.Single(byOwner.Items).Id);
        Assert.Equal(keyId, Assert.Single(byTeam.Items).Id);
    }
}
