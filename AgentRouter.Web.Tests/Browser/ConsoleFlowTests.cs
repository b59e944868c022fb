using System.Net;
using System.Net.Http.Headers;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>A platform lead's first session, by clicking, in real Chromium; asserts on behaviour, not pixels.</summary>
public sealed class ConsoleFlowTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    internal const string Password = "a-long-enough-passphrase";

    [Fact]
    public async Task FirstAdmin_SetsUpProviderTeamAndKey_TheKeyWorks_ThenRevocationLocksItOut()
    {
        var page = await fixture.NewPageAsync();

        // First-admin setup, proven with the admin API token; it signs the admin in.
        await page.GotoAsync("/account/setup");
        await page.GetByLabel("Admin API token").FillAsync(RouterFactory.AdminToken);
        await page.GetByLabel("Your email").FillAsync("lead@corp.example");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create admin and sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await BrowserFixture.OpenAsync(page, "/");

        // A provider account pointing at the loopback fake.
        await BrowserFixture.OpenAsync(page, "/providers");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add provider" }).First.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("Anthropic (fake)");
        await dialog.GetByLabel("Base URL").FillAsync(fixture.Anthropic.BaseUrl);
        await dialog.GetByLabel("API key").FillAsync("sk-ant-org-credential-0001");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add provider" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Anthropic (fake)" })).ToBeVisibleAsync();

        // The model in the catalog, with its prices.
        await BrowserFixture.OpenAsync(page, "/catalog");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add model" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Upstream model id").FillAsync("claude-sonnet-4-5-20250929");
        await dialog.GetByLabel("Input $/MTok").FillAsync("3");
        await dialog.GetByLabel("Output $/MTok").FillAsync("15");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        // Exact: the "… saved" message names the model too.
        await Assertions.Expect(page.GetByText("claude-sonnet-4-5-20250929", new() { Exact = true }).First).ToBeVisibleAsync();

        // A team whose profile pins the model.
        await BrowserFixture.OpenAsync(page, "/teams");
        await page.GetByRole(AriaRole.Button, new() { Name = "New team" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("Payments");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create team" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Payments" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Approve a model" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await ChooseAsync(page, dialog.GetByLabel("Catalog model (pinned version)"), "claude-sonnet-4-5-20250929");
        await dialog.GetByLabel("Public name developers ask for").FillAsync("claude-sonnet-4-5");
        await ChooseAsync(page, dialog.GetByLabel("Provider account"), "Anthropic (fake) (anthropic)");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Approve model" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=profile-model]")).ToContainTextAsync("claude-sonnet-4-5-20250929");

        // A developer and a key, shown exactly once.
        await page.GetByRole(AriaRole.Button, new() { Name = "Add developer" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync("Ada Lovelace");
        await dialog.GetByLabel("Email").FillAsync("ada@corp.example");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Add developer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Ada Lovelace" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "New key" }).ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await ChooseAsync(page, dialog.GetByLabel("Developer", new() { Exact = true }), "Ada Lovelace (ada@corp.example)");
        await dialog.GetByLabel("Key name").FillAsync("laptop");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = page.GetByRole(AriaRole.Dialog).GetByLabel("Agent Router key");
        await Assertions.Expect(secret).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^ar_payments_"));
        var key = await secret.InputValueAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync($"ANTHROPIC_API_KEY={key}");
        await page.GetByRole(AriaRole.Button, new() { Name = "I have copied it" }).ClickAsync();

        // The key gets an answer through the gateway, with the organisation's credential injected.
        using var gateway = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        Assert.Equal(HttpStatusCode.OK, (await gateway.SendAsync(Requests.Anthropic(key, Requests.Message("claude-sonnet-4-5")))).StatusCode);
        Assert.Equal("sk-ant-org-credential-0001", fixture.Anthropic.LastRequest.Headers["x-api-key"]);

        // Revoke, with confirmation; the next request is refused.
        await BrowserFixture.OpenAsync(page, "/keys");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByText("revoked").First).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.SendAsync(Requests.Anthropic(key, Requests.Message("claude-sonnet-4-5")))).StatusCode);
    }

    /// <summary>Opens a MudSelect and picks an option by its text.</summary>
    private static async Task ChooseAsync(IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = option }).ClickAsync();
    }
}
