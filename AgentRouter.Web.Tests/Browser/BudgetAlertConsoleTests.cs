using System.Net;
using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Alerts;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Tests.Alerts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>A platform lead adds a Slack channel on the team page, sends a test, and sees a budget alert in the bell.</summary>
public sealed class BudgetAlertConsoleTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task SlackChannel_TestButton_AndTheBell()
    {
        await using var slack = await LoopbackReceiver.StartAsync();
        var services = fixture.Router.Services;
        await services.GetRequiredService<ConsoleUsers>().CreateAsync(
            new CreateConsoleUserRequest("lead@corp.example", ConsoleFlowTests.Password, Roles.Admin), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile",
            new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "monthly", alertAt = new[] { 80 } } } });

        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync("lead@corp.example");
        await page.GetByLabel("Password").FillAsync(ConsoleFlowTests.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await BrowserFixture.OpenAsync(page, $"/teams/{teamId}");

        var panel = page.GetByTestId("alert-channels");
        await panel.GetByLabel("Name", new() { Exact = true }).FillAsync("#platform-alerts");
        await panel.GetByLabel("Slack incoming-webhook URL").FillAsync(slack.Url("/services/T1/B1/abcdefsecret"));
        await panel.GetByRole(AriaRole.Button, new() { Name = "Add channel" }).ClickAsync();
        await Assertions.Expect(panel.GetByTestId("alert-channel")).ToContainTextAsync("#platform-alerts");
        await Assertions.Expect(panel.GetByTestId("alert-channel")).Not.ToContainTextAsync("abcdefsecret");

        await panel.GetByRole(AriaRole.Button, new() { Name = "Send test" }).ClickAsync();
        await Assertions.Expect(panel.GetByTestId("alert-delivery")).ToContainTextAsync("delivered");
        var test = Assert.Single(slack.Calls);
        Assert.Contains("[Test]", JsonDocument.Parse(test.Body).RootElement.GetProperty("text").GetString());

        // 850 of 1,000 tokens: the 80 % threshold fires into the bell and Slack.
        var team = services.GetRequiredService<PolicyCache>().Current.Teams[teamId];
        var ledger = services.GetRequiredService<BudgetLedger>();
        ledger.Settle(ledger.Admit(team, Guid.Empty, 1, 0), 850, 0);
        await services.GetRequiredService<BudgetAlertJob>().RunAsync(CancellationToken.None);

        // The store is this fixture's own: this is the only notification.
        var bell = page.GetByLabel("Notifications, 1 unread");
        await Assertions.Expect(bell).ToBeVisibleAsync();
        await bell.ClickAsync();
        await Assertions.Expect(page.GetByTestId("notification").First).ToContainTextAsync($"{slug}: 80 % of a budget");
        await page.GetByRole(AriaRole.Button, new() { Name = "Mark all read" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Notifications, 0 unread")).ToBeVisibleAsync();

        await services.GetRequiredService<AlertDeliveryJob>().RunAsync(CancellationToken.None);
        Assert.Equal(2, slack.Calls.Count);
        Assert.Contains("*85 %*", JsonDocument.Parse(slack.Calls.Last().Body).RootElement.GetProperty("text").GetString());
    }
}
