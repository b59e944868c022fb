using System.Net;
using System.Text.RegularExpressions;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>The console's second pass, clicked through in Chromium: each role's home, a developer's own keys, the
/// shown-once dialog that Esc cannot close, and editing and deleting every entity.</summary>
public sealed class ConsoleSecondPassTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private const string Password = ConsoleFlowTests.Password;

    private async Task<string> UserAsync(string role, string? email = null)
    {
        email ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@corp.example";
        var created = await fixture.Router.Services.GetRequiredService<ConsoleUsers>()
            .CreateAsync(new CreateConsoleUserRequest(email, Password, role), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.True(created.Succeeded);
        return email;
    }

    private async Task<IPage> SignInAsync(string email)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        return page;
    }

    /// <summary>A team on the sandbox with a developer who has a Developer console login.</summary>
    private async Task<(Guid TeamId, string Slug, string Email)> DeveloperAsync()
    {
        var admin = fixture.Router.Admin();
        var providers = await admin.ListAsync("/api/admin/providers");
        var sandbox = providers.Single(p => p!["kind"]!.GetValue<string>() == "sandbox")!["id"]!.GetValue<Guid>();
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("claude-sonnet-4-5", sandbox, "sandbox-claude"));
        var email = $"dev-{Guid.NewGuid():N}@corp.example";
        await admin.SendAsync(HttpMethod.Post, "/api/admin/developers", new { email, name = "Dora Developer", teamId }, HttpStatusCode.Created);
        await UserAsync(Roles.Developer, email);
        return (teamId, slug, email);
    }

    [Fact]
    public async Task EachRole_LandsOnItsOwnHome_AndNobodyLoopsOnAccessDenied()
    {
        var admin = await UserAsync(Roles.Admin);
        var finance = await UserAsync(Roles.Finance);
        var (_, _, developer) = await DeveloperAsync();

        var page = await SignInAsync(admin);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        page = await SignInAsync(finance);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/finance$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Finance" })).ToBeVisibleAsync();

        page = await SignInAsync(developer);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/me$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My access" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("claude-sonnet-4-5")).ToBeVisibleAsync();

        // The front door sends a Developer home rather than to a dead end.
        await page.GotoAsync("/");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/me$"));
        // A page the role may not open says so, with a link that leads somewhere the role may go.
        await page.GotoAsync("/keys");
        await Assertions.Expect(page.GetByText("Your role does not give access")).ToBeVisibleAsync();
        await page.Locator("[data-testid=home-link]").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My access" })).ToBeVisibleAsync();
        await page.GotoAsync("/account/denied");
        Assert.Equal("/me", await page.Locator("[data-testid=home-link]").GetAttributeAsync("href"));

        // With users in the store, sign-in no longer offers first-admin set-up.
        var anonymous = await fixture.NewPageAsync();
        await anonymous.GotoAsync("/account/login");
        await Assertions.Expect(anonymous.GetByText("Set up the first admin")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Developer_CreatesAKeyShownOnce_ThatEscCannotClose_ThenRevokesIt()
    {
        var (_, slug, email) = await DeveloperAsync();
        var page = await SignInAsync(email);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My access" })).ToBeVisibleAsync();
        await BrowserFixture.OpenAsync(page, "/me");

        await page.Locator("[data-testid=my-new-key]").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Key name").FillAsync("laptop");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
        var secret = page.GetByRole(AriaRole.Dialog).GetByLabel("Agent Router key");
        await Assertions.Expect(secret).ToHaveValueAsync(new Regex($"^ar_{slug}_"));
        var key = await secret.InputValueAsync();

        // Neither Esc nor a click beside the dialog loses the key.
        await page.Keyboard.PressAsync("Escape");
        await page.Mouse.ClickAsync(5, 5);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(secret).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=secret-lines]")).ToContainTextAsync($"ANTHROPIC_API_KEY={key}");
        var lines = page.Locator("[data-testid=secret-lines]");
        Assert.Equal("pre-wrap", await lines.EvaluateAsync<string>("e => getComputedStyle(e).whiteSpace"));
        Assert.True(await lines.EvaluateAsync<bool>("e => e.scrollWidth <= e.clientWidth"), "The setup lines overflow sideways.");
        await page.Locator("[data-testid=secret-done]").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Dialog)).ToHaveCountAsync(0);

        using var gateway = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };
        Assert.Equal(HttpStatusCode.OK, (await gateway.SendAsync(Requests.Anthropic(key, Requests.Message("claude-sonnet-4-5")))).StatusCode);

        await page.Locator("[data-testid=revoke-laptop]").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=key-row]")).ToContainTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.SendAsync(Requests.Anthropic(key, Requests.Message("claude-sonnet-4-5")))).StatusCode);
    }

    [Fact]
    public async Task Admin_EditsAndDeletesEachEntity()
    {
        var page = await SignInAsync(await UserAsync(Roles.Admin));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        var admin = fixture.Router.Admin();
        var suffix = Guid.NewGuid().ToString("N")[..6];

        // Provider: name and base URL.
        var providerId = await admin.CreateProviderAsync("anthropic", "https://api.anthropic.com", "sk-ant-000000000001", $"Anthropic {suffix}");
        await BrowserFixture.OpenAsync(page, "/providers");
        await page.Locator($"[data-testid='edit-provider-Anthropic {suffix}']").ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name").FillAsync($"Anthropic EU {suffix}");
        await dialog.GetByLabel("Base URL").FillAsync(fixture.Anthropic.BaseUrl);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = $"Anthropic EU {suffix}" })).ToBeVisibleAsync();
        Assert.Equal($"Anthropic EU {suffix}", (await admin.SendAsync(HttpMethod.Get, $"/api/admin/providers/{providerId}"))["name"]!.GetValue<string>());

        // Catalog: a pinned model cannot be deleted (the console says why); an unpinned one can.
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PriceAsync($"pinned-{suffix}");
        await admin.PriceAsync($"spare-{suffix}");
        await admin.PutProfileAsync(teamId, ("pinned", providerId, $"pinned-{suffix}"));
        await BrowserFixture.OpenAsync(page, "/catalog");
        await page.Locator($"[data-testid=delete-pinned-{suffix}]").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.GetByText("is pinned by")).ToBeVisibleAsync();
        await page.Locator($"[data-testid=delete-spare-{suffix}]").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid=delete-spare-{suffix}]")).ToHaveCountAsync(0);

        // MCP server: a refused name keeps the dialog and its input; then edit and delete.
        await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers", new { name = $"taken-{suffix}", url = "http://127.0.0.1:9/mcp", auth = new { kind = "none" } }, HttpStatusCode.Created);
        await BrowserFixture.OpenAsync(page, "/mcp-servers");
        await page.Locator("[data-testid=new-mcp]").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=mcp-name]").FillAsync($"taken-{suffix}");
        await dialog.Locator("[data-testid=mcp-url]").FillAsync("http://127.0.0.1:9/other");
        await dialog.Locator("[data-testid=mcp-secret]").FillAsync("a-server-secret");
        await dialog.Locator("[data-testid=save-mcp]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("already exists");
        await Assertions.Expect(dialog.Locator("[data-testid=mcp-url]")).ToHaveValueAsync("http://127.0.0.1:9/other");
        await Assertions.Expect(dialog.Locator("[data-testid=mcp-secret]")).ToHaveValueAsync("a-server-secret");
        await dialog.Locator("[data-testid=mcp-name]").FillAsync($"fresh-{suffix}");
        await dialog.Locator("[data-testid=save-mcp]").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = $"fresh-{suffix}", Exact = true })).ToBeVisibleAsync();
        await page.Locator($"[data-testid=edit-fresh-{suffix}]").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=mcp-name]").FillAsync($"renamed-{suffix}");
        await dialog.Locator("[data-testid=save-mcp]").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = $"renamed-{suffix}", Exact = true })).ToBeVisibleAsync();
        await page.Locator($"[data-testid=delete-renamed-{suffix}]").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = $"renamed-{suffix}", Exact = true })).ToHaveCountAsync(0);

        // Budget: add, then edit in place.
        await BrowserFixture.OpenAsync(page, $"/teams/{teamId}");
        await page.Locator("[data-testid=add-budget]").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=budget-tokens]").FillAsync("1000");
        await dialog.Locator("[data-testid=save-budget]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=budget-row]")).ToContainTextAsync("1,000 tokens");
        await page.Locator("[data-testid=edit-budget]").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=budget-usd]").FillAsync("2,5");
        await dialog.Locator("[data-testid=save-budget]").ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("Use a point for decimals");
        await dialog.Locator("[data-testid=budget-usd]").FillAsync("2.5");
        await dialog.Locator("[data-testid=save-budget]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=budget-row]")).ToContainTextAsync("1,000 tokens $2.50");

        // Console user: change role, reset the password, disable.
        var email = await UserAsync(Roles.Developer);
        await BrowserFixture.OpenAsync(page, "/settings");
        await page.Locator($"[data-testid='role-{email}']").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=user-new-role]").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Finance — usage and invoices, read-only" }).ClickAsync();
        await dialog.Locator("[data-testid=save-role]").ClickAsync();
        var row = page.Locator("[data-testid=user-row]", new() { HasText = email });
        await Assertions.Expect(row).ToContainTextAsync("Finance");
        await page.Locator($"[data-testid='password-{email}']").ClickAsync();
        dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.Locator("[data-testid=user-new-password]").FillAsync("a-brand-new-passphrase");
        await dialog.Locator("[data-testid=save-password]").ClickAsync();
        await Assertions.Expect(page.GetByText($"New password set for {email}")).ToBeVisibleAsync();
        await page.Locator($"[data-testid='disable-{email}']").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("disabled");

        // Every one of these changes is in the audit log, found by the team's name and shown field by field.
        var audit = await admin.Http.GetStringAsync("/api/admin/audit?limit=100");
        foreach (var action in new[] { "provider.updated", "catalog.deleted", "mcp-server.created", "mcp-server.updated", "mcp-server.deleted", "profile.updated", "user.role-changed", "user.password-reset", "user.disabled" })
            Assert.Contains(action, audit);
        await BrowserFixture.OpenAsync(page, "/audit");
        await page.Locator("[data-testid=audit-search]").FillAsync($"Anthropic EU {suffix}");
        var renamed = page.Locator("[data-testid=audit-diff]", new() { HasText = $"Anthropic {suffix}" }).Filter(new() { HasText = $"Anthropic EU {suffix}" });
        await UntilVisibleAsync(renamed);
        await Assertions.Expect(page.GetByRole(AriaRole.Cell, new() { Name = "user.disabled" })).ToHaveCountAsync(0);
    }

    /// <summary>The search box debounces on the application's clock, which tests move by hand: advance it until the
    /// filtered rows show (bounded).</summary>
    private async Task UntilVisibleAsync(ILocator locator)
    {
        for (var attempt = 0; attempt < 50 && await locator.CountAsync() == 0; attempt++)
        {
            fixture.Router.Clock.Advance(TimeSpan.FromMilliseconds(400));
            try
            {
                await locator.First.WaitForAsync(new() { Timeout = 200 });
            }
            catch (TimeoutException)
            {
                // Not yet: advance the clock again.
            }
        }
        await Assertions.Expect(locator.First).ToBeVisibleAsync();
    }
}
