using System.Security.Claims;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Browser;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Console;

/// <summary>What a verified ID token turns into, without a browser: linking to a local user, refusals, audit.
/// (The provider is never contacted: discovery happens at the first challenge.)</summary>
public sealed class SsoUsersTests : IAsyncLifetime
{
    private readonly SsoRouterFactory _router = new("http://127.0.0.1:9/");

    public ValueTask InitializeAsync()
    {
        _router.EnsureStarted();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _router.DisposeAsync();

    private static ClaimsPrincipal Token(string subject, string email, bool? emailVerified, params string[] groups) =>
        new(new ClaimsIdentity(
            [new Claim("sub", subject), new Claim("email", email), .. emailVerified is { } v ? [new Claim("email_verified", v ? "true" : "false")] : Array.Empty<Claim>(),
             .. groups.Select(g => new Claim("groups", g))], "oidc"));

    [Fact]
    public async Task ExistingLocalUser_IsLinkedByEmail_AndTheirRolesFollowTheProvider()
    {
        var users = _router.Services.GetRequiredService<ConsoleUsers>();
        var local = await users.CreateAsync(new CreateConsoleUserRequest("carol@corp.example", "a-long-enough-passphrase", Roles.Admin), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);
        var sso = _router.Services.GetRequiredService<SsoUsers>();

        var outcome = await sso.SignInAsync(Token("idp-carol", "Carol@Corp.example", true, SsoRouterFactory.FinanceGroup), CancellationToken.None);
        var again = await sso.SignInAsync(Token("idp-carol", "carol@corp.example", null, SsoRouterFactory.FinanceGroup), CancellationToken.None);

        Assert.Equal(local.Value!.Id, outcome.User!.Id);
        Assert.Equal(local.Value!.Id, again.User!.Id);
        await using var scope = _router.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        Assert.Equal(["Finance"], await manager.GetRolesAsync((await manager.FindByIdAsync(local.Value.Id))!));
        await using var db = await _router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEvents.Where(a => a.EntityId == local.Value.Id && a.Actor == "sso:carol@corp.example").OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(["user.roles-changed", "sso.login", "sso.login"], audit.Select(a => a.Action));
        Assert.Contains("\"Admin\"", audit[0].Before);
        Assert.Contains("\"Finance\"", audit[0].After);
    }

    [Fact]
    public async Task UnverifiedEmail_CannotClaimAnExistingUser()
    {
        var users = _router.Services.GetRequiredService<ConsoleUsers>();
        await users.CreateAsync(new CreateConsoleUserRequest("dave@corp.example", "a-long-enough-passphrase", Roles.Admin), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);

        var outcome = await _router.Services.GetRequiredService<SsoUsers>().SignInAsync(Token("someone-else", "dave@corp.example", false, SsoRouterFactory.AdminGroup), CancellationToken.None);

        Assert.Null(outcome.User);
        Assert.Equal("sso-unverified", outcome.Error);
    }

    [Fact]
    public async Task TokenWithoutEmail_IsRefused()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "x"), new Claim("groups", SsoRouterFactory.AdminGroup)], "oidc"));

        var outcome = await _router.Services.GetRequiredService<SsoUsers>().SignInAsync(principal, CancellationToken.None);

        Assert.Equal("sso-claims", outcome.Error);
    }
}
