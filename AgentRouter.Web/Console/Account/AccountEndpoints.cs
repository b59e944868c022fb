using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Console.Account;

/// <summary>Form posts for signing in and out and for the one-time setup of the first Admin. Plain HTML forms with
/// anti-forgery tokens, so the cookie is set by an ordinary HTTP response.</summary>
internal static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var account = app.MapGroup("/account").ExcludeFromDescription();

        account.MapPost("/login", async ([FromForm] string email, [FromForm] string password, [FromForm] string? returnUrl,
            SignInManager<ConsoleUser> signIn, IOptions<SsoOptions> sso) =>
        {
            if (!sso.Value.LocalPasswords)
                return Results.LocalRedirect("/account/login?error=local-off");
            var result = await signIn.PasswordSignInAsync(email.Trim().ToLowerInvariant(), password, isPersistent: false, lockoutOnFailure: true);
            if (result.Succeeded)
            {
                // Signing in from the front door lands each role on its own home page.
                var target = SafeReturnUrl(returnUrl);
                if (target == "/" && await signIn.UserManager.FindByEmailAsync(email.Trim().ToLowerInvariant()) is { } user)
                    target = ConsoleHome.For(await signIn.UserManager.GetRolesAsync(user));
                return Results.LocalRedirect(target);
            }
            var error = result.IsLockedOut ? "locked" : "invalid";
            return Results.LocalRedirect($"/account/login?error={error}&returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
        });

        account.MapPost("/logout", async (SignInManager<ConsoleUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return Results.LocalRedirect("/account/login");
        });

        account.MapPost("/setup", async ([FromForm] string token, [FromForm] string email, [FromForm] string password,
            AdminTokens tokens, ConsoleUsers users, SignInManager<ConsoleUser> signIn, TimeProvider clock, HttpContext http, IOptions<SsoOptions> sso) =>
        {
            if (!sso.Value.LocalPasswords)
                return Results.LocalRedirect("/account/login?error=local-off");
            if (!await users.SetupNeededAsync(http.RequestAborted))
                return Results.LocalRedirect("/account/login");
            if (await tokens.ValidateAsync(token.Trim(), http.RequestAborted) is not { } actor)
                return Results.LocalRedirect("/account/setup?error=token");
            var created = await users.CreateAsync(new CreateConsoleUserRequest(email, password, Roles.Admin), new Actor(actor, clock.GetUtcNow()), http.RequestAborted);
            if (!created.Succeeded)
            {
                var message = string.Join(" ", created.Problems!.ToDictionary().SelectMany(p => p.Value));
                return Results.LocalRedirect($"/account/setup?error={Uri.EscapeDataString(message)}");
            }
            await signIn.PasswordSignInAsync(created.Value!.Email, password, isPersistent: false, lockoutOnFailure: false);
            return Results.LocalRedirect("/");
        });

        account.MapSingleSignOn();
    }

    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//") && !returnUrl.StartsWith("/\\") ? returnUrl : "/";
}
