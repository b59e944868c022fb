using System.Security.Claims;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Console.Account;

public static class SingleSignOnExtensions
{
    /// <summary>OpenID Connect (authorization code + PKCE) into Identity's external cookie; <see cref="SsoUsers"/> then
    /// turns the IdP's claims into a console user with mapped roles.</summary>
    public static IHostApplicationBuilder AddSingleSignOn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SsoOptions>().BindConfiguration(SsoOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SsoOptions>, ValidateSsoOptions>();
        builder.Services.AddSingleton<SsoUsers>();
        var sso = builder.Configuration.GetSection(SsoOptions.Section).Get<SsoOptions>() ?? new SsoOptions();
        if (!sso.Enabled)
            return builder;

        builder.Services.AddAuthentication().AddOpenIdConnect(SsoOptions.Scheme, sso.DisplayName, _ => { });
        builder.Services.AddOptions<OpenIdConnectOptions>(SsoOptions.Scheme).Configure<IOptions<SsoOptions>>((oidc, settings) =>
        {
            var options = settings.Value;
            oidc.SignInScheme = IdentityConstants.ExternalScheme;
            oidc.Authority = options.Authority;
            oidc.ClientId = options.ClientId;
            oidc.ClientSecret = options.ClientSecret;
            oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
            oidc.ResponseType = "code";
            oidc.UsePkce = true;
            // The code comes back on a top-level GET, so SameSite=Lax cookies (correlation, nonce) survive the trip.
            oidc.ResponseMode = "query";
            oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
            oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.NonceCookie.SameSite = SameSiteMode.Lax;
            oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            oidc.Scope.Clear();
            foreach (var scope in new[] { "openid", "profile", "email" }.Concat(options.Scopes).Distinct())
                oidc.Scope.Add(scope);
            // Claim names as the provider wrote them ("groups", "roles", "email"), not the WS-Federation URIs.
            oidc.MapInboundClaims = false;
            oidc.GetClaimsFromUserInfoEndpoint = options.UseUserInfo;
            oidc.ClaimActions.MapJsonKey(options.RoleClaim, options.RoleClaim);
            oidc.ClaimActions.MapJsonKey(options.EmailClaim, options.EmailClaim);
            oidc.SaveTokens = false;
            oidc.Events.OnRemoteFailure = context =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ILogger<SsoUsers>>().LogWarning(context.Failure, "Single sign-on failed");
                context.Response.Redirect("/account/login?error=sso");
                context.HandleResponse();
                return Task.CompletedTask;
            };
        });
        return builder;
    }

    public static void MapSingleSignOn(this RouteGroupBuilder account)
    {
        account.MapGet("/sso", (string? returnUrl, IOptions<SsoOptions> sso) => !sso.Value.Enabled
            ? Results.NotFound()
            : Results.Challenge(new AuthenticationProperties { RedirectUri = $"/account/sso/complete?returnUrl={Uri.EscapeDataString(AccountEndpoints.SafeReturnUrl(returnUrl))}" }, [SsoOptions.Scheme]));

        account.MapGet("/sso/complete", async (string? returnUrl, HttpContext http, SsoUsers users, SignInManager<ConsoleUser> signIn) =>
        {
            var external = await http.AuthenticateAsync(IdentityConstants.ExternalScheme);
            await http.SignOutAsync(IdentityConstants.ExternalScheme);
            if (!external.Succeeded || external.Principal is null)
                return Results.LocalRedirect("/account/login?error=sso");
            var outcome = await users.SignInAsync(external.Principal, http.RequestAborted);
            if (outcome.User is null)
                return Results.LocalRedirect($"/account/login?error={outcome.Error}");
            await signIn.SignInAsync(outcome.User, isPersistent: false, authenticationMethod: SsoOptions.Scheme);
            return Results.LocalRedirect(AccountEndpoints.SafeReturnUrl(returnUrl));
        });
    }
}

/// <summary>What an SSO sign-in came to: the user to sign in, or why not (a code for the login page).</summary>
public sealed record SsoOutcome(ConsoleUser? User, string? Error);

/// <summary>Turns a verified OIDC identity into a console user: found by its (provider, subject) login, else linked by
/// email, else created; roles set from <see cref="SsoOptions.RoleMapping"/> at every sign-in, so losing the group at the
/// IdP loses the role at the next sign-in. Every sign-in, refusal and role change is audited.</summary>
public sealed class SsoUsers(IServiceScopeFactory scopes, IDbContextFactory<AppDbContext> factory, IOptions<SsoOptions> options, TimeProvider clock, ILogger<SsoUsers> logger)
{
    public async Task<SsoOutcome> SignInAsync(ClaimsPrincipal external, CancellationToken cancellationToken)
    {
        var sso = options.Value;
        var subject = external.FindFirstValue("sub");
        var email = (external.FindFirstValue(sso.EmailClaim) ?? external.FindFirstValue("email"))?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(email) || !email.Contains('@'))
        {
            logger.LogWarning("Single sign-on refused: the ID token has no subject or no email in claim {Claim}", sso.EmailClaim);
            return new SsoOutcome(null, "sso-claims");
        }
        var values = external.FindAll(sso.RoleClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var mapped = ConsoleUsers.AllRoles.Where(role => sso.RoleMapping.TryGetValue(role, out var granted) && granted.Any(values.Contains)).ToList();
        var actor = new Actor($"sso:{email}", clock.GetUtcNow());

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        await ConsoleUsers.EnsureRolesAsync(scope.ServiceProvider);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);

        var user = await users.FindByLoginAsync(SsoOptions.Scheme, subject);
        var created = false;
        if (user is null)
        {
            user = await users.FindByEmailAsync(email);
            // A provider that says the address is unverified cannot claim an existing account by it.
            if (user is not null && external.FindFirstValue("email_verified") is "false")
                return await RefuseAsync(db, actor, email, subject, "the provider marks the email as unverified, and a console user already has it", "sso-unverified", cancellationToken);
            if (user is null && mapped.Count == 0)
                return await RefuseAsync(db, actor, email, subject, $"no {sso.RoleClaim} value maps to a role", "sso-norole", cancellationToken);
            if (user is null)
            {
                user = new ConsoleUser { UserName = email, Email = email, EmailConfirmed = true };
                var result = await users.CreateAsync(user);
                if (!result.Succeeded)
                    return await RefuseAsync(db, actor, email, subject, string.Join(" ", result.Errors.Select(e => e.Description)), "sso-claims", cancellationToken);
                created = true;
            }
            var linked = await users.AddLoginAsync(user, new UserLoginInfo(SsoOptions.Scheme, subject, sso.DisplayName));
            if (!linked.Succeeded)
                return await RefuseAsync(db, actor, email, subject, string.Join(" ", linked.Errors.Select(e => e.Description)), "sso-claims", cancellationToken);
        }
        if (await users.IsLockedOutAsync(user))
            return await RefuseAsync(db, actor, email, subject, "the console user is locked out", "locked", cancellationToken);

        var before = (await users.GetRolesAsync(user)).Order().ToList();
        var removed = before.Except(mapped).ToList();
        var added = mapped.Except(before).ToList();
        if (removed.Count > 0)
            await users.RemoveFromRolesAsync(user, removed);
        if (added.Count > 0)
            await users.AddToRolesAsync(user, added);
        if (removed.Count > 0 || added.Count > 0)
        {
            // Ends the user's other sessions at their next cookie validation, not only at their next sign-in.
            await users.UpdateSecurityStampAsync(user);
            db.Audit(actor, "user.roles-changed", "ConsoleUser", user.Id, new { email, roles = before }, new { email, roles = mapped.Order().ToList(), source = "sso" });
        }
        if (created)
        {
            var developer = await db.Developers.FirstOrDefaultAsync(d => d.Email == email && d.UserId == null, cancellationToken);
            developer?.UserId = user.Id;
            db.Audit(actor, "user.created", "ConsoleUser", user.Id, null, new { email, roles = mapped, source = "sso", subject });
        }
        if (mapped.Count == 0)
            return await RefuseAsync(db, actor, email, subject, $"no {sso.RoleClaim} value maps to a role any more", "sso-norole", cancellationToken, user.Id);

        db.Audit(actor, "sso.login", "ConsoleUser", user.Id, null, new { email, subject, roles = mapped });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Single sign-on: {Email} signed in as {Roles}", email, string.Join(", ", mapped));
        return new SsoOutcome(user, null);
    }

    private async Task<SsoOutcome> RefuseAsync(AppDbContext db, Actor actor, string email, string subject, string reason, string error, CancellationToken cancellationToken, string? userId = null)
    {
        db.Audit(actor, "sso.refused", "ConsoleUser", userId ?? email, null, new { email, subject, reason });
        await db.SaveChangesAsync(cancellationToken);
        logger.LogWarning("Single sign-on refused for {Email}: {Reason}", email, reason);
        return new SsoOutcome(null, error);
    }
}
