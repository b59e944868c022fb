using AgentRouter.Web.Billing;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Console;
using AgentRouter.Web.Console.Pages;
using AgentRouter.Web.Tests.Billing;
using Bunit;
using MudBlazor;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Console;

/// <summary>The finance page renders the report for its filters, and its CSV link carries exactly those filters.</summary>
public sealed class FinancePageTests : ConsoleComponentContext, IClassFixture<AttributionQueriesTests.GeneratedMonth>
{
    private readonly AttributionQueriesTests.GeneratedMonth _month;

    public FinancePageTests(AttributionQueriesTests.GeneratedMonth month)
    {
        _month = month;
        // "Today" is the last day of the generated month, so the default period ("this month so far") covers it all.
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2024, 6, 30, 12, 0, 0, TimeSpan.Zero)));
        Services.AddSingleton(month.Router.Services.GetRequiredService<AttributionQueries>());
        Services.AddSingleton(month.Router.Services.GetRequiredService<BillingCalendar>());
        AddAuthorization().SetAuthorized("finance@corp.example").SetRoles(Roles.Finance);
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public async Task ChoosingATeamAndABillingMode_NarrowsTheTotals_AndTheCsvLink()
    {
        _ = Providers;
        var page = Render<Finance>();
        page.WaitForState(() => page.Instance.Report is not null);
        var data = _month.Data;
        var all = data.InMonth.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd);
        Assert.Equal(Money.Usd(all), page.Find("[data-testid=total-billed]").TextContent);
        Assert.Equal(data.InMonth.Count().ToString("N0"), page.Find("[data-testid=total-requests]").TextContent);

        var team = data.Teams[2];
        // Through the filters' own change callbacks, as a click on a menu item raises them.
        var teamSelect = page.FindComponents<MudSelect<Guid?>>()[0];
        await page.InvokeAsync(() => teamSelect.Instance.ValueChanged.InvokeAsync(team.Id));
        var billingSelect = page.FindComponent<MudSelect<UsageBilling?>>();
        await page.InvokeAsync(() => billingSelect.Instance.ValueChanged.InvokeAsync(UsageBilling.Passthrough));

        var passthrough = data.InMonth.Where(r => r.TeamId == team.Id && r.Billing == UsageBilling.Passthrough).ToList();
        Assert.Equal("$0.00", page.Find("[data-testid=total-billed]").TextContent);
        Assert.Equal(Money.Usd(passthrough.Sum(r => r.CostUsd)), page.Find("[data-testid=total-notional]").TextContent);
        Assert.Equal(passthrough.Count.ToString("N0"), page.Find("[data-testid=total-requests]").TextContent);
        var csv = page.Find("[data-testid=attribution-csv]").GetAttribute("href");
        Assert.Equal($"/api/finance/attribution.csv?from=2024-06-01&to=2024-06-30&teamId={team.Id}&billing=passthrough", csv);
        // Every table row is the chosen team's passthrough usage.
        Assert.All(page.Instance.Report!.Rows, r => Assert.Equal((team.Id, "passthrough"), (r.TeamId, r.Billing)));
    }

    [Fact]
    public async Task AnInvertedPeriod_IsNarrowedToOneDay()
    {
        _ = Providers;
        var page = Render<Finance>();
        page.WaitForState(() => page.Instance.Report is not null);

        var (from, to) = (page.FindComponents<MudDatePicker>()[0], page.FindComponents<MudDatePicker>()[1]);
        await page.InvokeAsync(() => to.Instance.DateChanged.InvokeAsync(new DateTime(2024, 6, 10)));
        await page.InvokeAsync(() => from.Instance.DateChanged.InvokeAsync(new DateTime(2024, 6, 20)));

        Assert.Equal((new DateOnly(2024, 6, 20), new DateOnly(2024, 6, 20)), (page.Instance.Filter.From, page.Instance.Filter.To));
        Assert.Single(page.Instance.Report!.Buckets);
    }

    [Fact]
    public void APreset_SetsThePeriod_AndTheFiltersLiveInTheUrl()
    {
        _ = Providers;
        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        var team = _month.Data.Teams[1];
        navigation.NavigateTo($"/finance?from=2024-06-03&to=2024-06-09&teamId={team.Id}");

        var page = Render<Finance>();
        page.WaitForState(() => page.Instance.Report is not null);
        Assert.Equal(new AttributionFilter(new DateOnly(2024, 6, 3), new DateOnly(2024, 6, 9), team.Id), page.Instance.Filter);

        page.Find("[data-testid=preset-last-7]").Click();

        page.WaitForAssertion(() => Assert.Equal((new DateOnly(2024, 6, 24), new DateOnly(2024, 6, 30)), (page.Instance.Filter.From, page.Instance.Filter.To)));
        Assert.EndsWith($"/finance?from=2024-06-24&to=2024-06-30&teamId={team.Id}", navigation.Uri);
        Assert.Contains("mud-button-filled", page.Find("[data-testid=preset-last-7]").ClassName);
    }
}
