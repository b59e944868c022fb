using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Console.Account;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>Who may see what, in real Chromium.</summary>
public sealed class ConsoleAccessTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = ConsoleFlowTests.Password;

    [Fact]
    public async Task FinanceUser_CannotOpenAdminPages_AndTheAdminApiRefusesTheirCookie()
    {
        var users = fixture.Router.Services.GetRequiredService<ConsoleUsers>();
        var created = await users.CreateAsync(new CreateConsoleUserRequest("finance@corp.example", Password, Roles.Finance), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.True(created.Succeeded);
        var page = await fixture.NewPageAsync();

        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync("finance@corp.example");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Finance" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Keys" })).ToHaveCountAsync(0);

        await page.GotoAsync("/keys");
        await Assertions.Expect(page.GetByText("Your role does not give access")).ToBeVisibleAsync();
        var api = await page.APIRequest.GetAsync("/api/admin/teams");
        Assert.Equal(403, api.Status);
    }

    [Fact]
    public async Task WrongPassword_IsRefused_AndTheConsoleStaysClosed()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/teams");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));

        await page.GetByLabel("Email").FillAsync("nobody@corp.example");
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.Locator(".account-error")).ToContainTextAsync("not right");
    }
}
