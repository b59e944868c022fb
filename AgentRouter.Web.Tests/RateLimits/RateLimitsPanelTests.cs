using AgentRouter.Web.Profiles;
using AgentRouter.Web.RateLimits;
using AgentRouter.Web.Tests.Console;
using AgentRouter.Web.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.RateLimits;

/// <summary>The team page's rate-limit panel, over the real profile service and store.</summary>
public sealed class RateLimitsPanelTests : ConsoleComponentContext, IClassFixture<RouterFactory>
{
    private readonly RouterFactory _router;

    public RateLimitsPanelTests(RouterFactory router)
    {
        _router = router;
        router.EnsureStarted();
        Services.AddSingleton(router.Services.GetRequiredService<ProfileService>());
        Services.AddSingleton(TimeProvider.System);
        AddAuthorization().SetAuthorized("lead@corp.example");
    }

    [Fact]
    public async Task SavingTheForm_WritesTheLimitsSection_AndShowsItOnTheNextVisit()
    {
        var (teamId, _) = await _router.Admin().CreateTeamAsync();
        var snackbars = Render<MudBlazor.MudSnackbarProvider>();
        var panel = Render<RateLimitsPanel>(p => p.Add(x => x.TeamId, teamId));
        panel.WaitForElement("[data-testid=save-rate-limits]");

        panel.Find("[data-testid=rpm-key]").Change("60");
        panel.Find("[data-testid=concurrent-team]").Change("8");
        panel.Find("[data-testid=save-rate-limits]").Click();

        var profiles = Services.GetRequiredService<ProfileService>();
        snackbars.WaitForAssertion(() => Assert.Contains("Rate limits saved", snackbars.Markup));
        var saved = (await profiles.GetAsync(teamId, CancellationToken.None)).Value!.Limits!;
        Assert.Equal([new ProfileLimit("key", 60), new ProfileLimit("team", Concurrent: 8)], saved);

        var again = Render<RateLimitsPanel>(p => p.Add(x => x.TeamId, teamId));
        again.WaitForAssertion(() => Assert.Equal("60", again.Find("[data-testid=rpm-key]").GetAttribute("value")));
        Assert.True(string.IsNullOrEmpty(again.Find("[data-testid=rpm-team]").GetAttribute("value")));
    }

    [Fact]
    public void Rows_PutEachLimitInItsScope_AndEmptyRowsAreLeftOut()
    {
        var rows = RateLimitForm.Rows([new ProfileLimit("developer", TokensPerMinute: 50_000)]);
        Assert.Equal(["key", "developer", "team"], rows.Select(r => r.Scope));
        Assert.Equal(50_000, rows[1].TokensPerMinute);

        rows[0].RequestsPerMinute = 60;
        Assert.Equal([new ProfileLimit("key", 60), new ProfileLimit("developer", TokensPerMinute: 50_000)], RateLimitForm.Limits(rows));
    }
}
