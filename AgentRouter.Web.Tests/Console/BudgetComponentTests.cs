using AgentRouter.Web.Budgets;
using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Console.Layout;
using AgentRouter.Web.Profiles;
using Bunit;

namespace AgentRouter.Web.Tests.Console;

public sealed class BudgetComponentTests : ConsoleComponentContext
{
    private static readonly DateTimeOffset Reset = new(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void BudgetBars_ShowUseAgainstTheLimit_AndTurnRedWhenSpent()
    {
        var daily = new BudgetPolicy(Guid.NewGuid(), BudgetScope.Developer, 2_000_000, null, BudgetCadence.Daily, BudgetMode.Block);
        var bars = Render<BudgetBars>(p => p.Add(b => b.Uses, [new BudgetUse(daily, "Ada", 500_000, 0, Reset), new BudgetUse(daily, "Grace", 2_000_000, 0, Reset)]));

        var rows = bars.FindAll("[data-testid=budget-bar]");
        Assert.Contains("500,000 / 2,000,000 tokens", rows[0].TextContent);
        Assert.Contains("resets", rows[0].TextContent);
        Assert.DoesNotContain("mud-progress-linear-color-error", rows[0].InnerHtml);
        Assert.Contains("mud-progress-linear-color-error", rows[1].InnerHtml);
    }

    [Fact]
    public async Task BudgetDialog_NeedsALimit_ThenReturnsTheBudget()
    {
        var dialog = await ShowAsync<BudgetDialog>();

        Providers.Find("[data-testid=save-budget]").Click();
        Providers.WaitForAssertion(() => Assert.Contains("Limit tokens, an amount, or both", Providers.Markup));
        Assert.False(dialog.Result.IsCompleted);

        Providers.Find("[data-testid=budget-tokens]").Change("2000000");
        Providers.Find("[data-testid=save-budget]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(new ProfileBudget("developer", 2_000_000, null, "daily", "block"), result!.Data);
    }
}
