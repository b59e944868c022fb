using System.Text.RegularExpressions;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>OpenID Connect sign-in through the real redirect flow (authorization code + PKCE) in Chromium.</summary>
public sealed class SingleSignOnTests(SsoFixture fixture) : IClassFixture<SsoFixture>
{
    private async Task SignInAsync(IPage page, string? username, string returnUrl = "/")
    {
        await page.GotoAsync($"/account/login?returnUrl={Uri.EscapeDataString(returnUrl)}");
        await page.GetByTestId("sso-login").ClickAsync();
        if (username is not null)
        {
            // The first time in this browser profile: the IdP's own sign-in page.
            await page.GetByLabel("Username").FillAsync(username);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in to the IdP" }).ClickAsync();
        }
    }

    private async Task<List<string>> RolesAsync(string email)
    {
        await using var scope = fixture.Router.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        return [.. await users.GetRolesAsync((await users.FindByEmailAsync(email))!)];
    }

    private async Task<List<string>> AuditAsync(string email)
    {
        await using var db = await fixture.Router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditEvents.Where(a => a.Actor == $"sso:{email}").OrderBy(a => a.Id).Select(a => a.Action + " " + a.After).ToListAsync();
    }

    [Fact]
    public async Task GroupMapsToRole_UserIsCreatedAtFirstLogin_AndLosesTheRoleAtTheNextLoginAfterLeavingTheGroup()
    {
        const string email = "alice@corp.example";
        fixture.Idp.Users["alice"] = new IdpUser("idp-alice", email, "Alice", [SsoRouterFactory.AdminGroup, "unrelated"]);
        var page = await fixture.NewPageAsync();

        // Passwords are off: the login page offers only the provider.
        await page.GotoAsync("/teams");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await Assertions.Expect(page.Locator("input[type=password]")).ToHaveCountAsync(0);
        await page.GetByTestId("sso-login").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(fixture.Idp.Issuer) + "login"));
        await page.GetByLabel("Username").FillAsync("alice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in to the IdP" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/teams$"));
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Keys" })).ToBeVisibleAsync();
        Assert.Equal(["Admin"], await RolesAsync(email));

        // Moved from the admin group to finance at the IdP: the next sign-in (IdP session still open) maps to Finance.
        fixture.Idp.Users["alice"] = fixture.Idp.Users["alice"] with { Groups = [SsoRouterFactory.FinanceGroup] };
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));
        await SignInAsync(page, username: null);
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
        Assert.Equal(["Finance"], await RolesAsync(email));
        await page.GotoAsync("/teams");
        await Assertions.Expect(page.GetByText("Your role does not give access")).ToBeVisibleAsync();

        // Out of every mapped group: refused, and no role left.
        fixture.Idp.Users["alice"] = fixture.Idp.Users["alice"] with { Groups = ["unrelated"] };
        await page.GotoAsync("/account/login");
        await page.Context.ClearCookiesAsync(new() { Domain = "localhost" });
        await SignInAsync(page, username: null);
        await Assertions.Expect(page.Locator(".account-error")).ToContainTextAsync("not in a group");
        Assert.Empty(await RolesAsync(email));
        await page.GotoAsync("/teams");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/login"));

        var audit = await AuditAsync(email);
        Assert.Collection(audit,
            a => Assert.StartsWith("user.roles-changed", a),
            a => Assert.StartsWith("user.created", a),
            a => Assert.Contains("sso.login", a),
            a => Assert.Contains("\"Finance\"", a),
            a => Assert.StartsWith("sso.login", a),
            a => Assert.StartsWith("user.roles-changed", a),
            a => Assert.StartsWith("sso.refused", a));
    }

    [Fact]
    public async Task DeveloperGroup_GivesTheDeveloperRole()
    {
        const string email = "bob@corp.example";
        fixture.Idp.Users["bob"] = new IdpUser("idp-bob", email, "Bob", [SsoRouterFactory.DeveloperGroup]);
        var page = await fixture.NewPageAsync();

        await SignInAsync(page, "bob", returnUrl: "/me");

        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/me$"));
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync(email);
        Assert.Equal(["Developer"], await RolesAsync(email));
        await page.GotoAsync("/teams");
        await Assertions.Expect(page.GetByText("Your role does not give access")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task UnmappedUser_IsRefused_AndNotCreated()
    {
        fixture.Idp.Users["mallory"] = new IdpUser("idp-mallory", "mallory@corp.example", "Mallory", ["contractors"]);
        var page = await fixture.NewPageAsync();

        await SignInAsync(page, "mallory");

        await Assertions.Expect(page.Locator(".account-error")).ToContainTextAsync("not in a group");
        await using var scope = fixture.Router.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>().FindByEmailAsync("mallory@corp.example"));
        Assert.Contains(await AuditAsync("mallory@corp.example"), a => a.StartsWith("sso.refused"));
    }
}
