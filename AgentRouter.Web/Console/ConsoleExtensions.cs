using AgentRouter.Web.Admin;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace AgentRouter.Web.Console;

public static class ConsoleExtensions
{
    /// <summary>The Blazor console: Identity sign-in with roles, MudBlazor, and the console's view services.</summary>
    public static IHostApplicationBuilder AddConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddCascadingAuthenticationState();

        builder.Services.AddIdentityCore<ConsoleUser>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                identity.Password.RequiredLength = 12;
                // Length over composition rules (NIST SP 800-63B).
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequireDigit = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireLowercase = false;
                identity.Lockout.MaxFailedAccessAttempts = 5;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                identity.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
        builder.AddSingleSignOn();
        builder.Services.ConfigureApplicationCookie(cookie =>
        {
            cookie.Cookie.Name = "agentrouter.auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            // Always Secure behind TLS; plain http on localhost stays usable for a first try.
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.LoginPath = "/account/login";
            cookie.AccessDeniedPath = "/account/denied";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = true;
            cookie.Events = new CookieAuthenticationEvents
            {
                // APIs answer with status codes, never with a redirect to a sign-in page.
                OnRedirectToLogin = context => ApiStatusOr(context, StatusCodes.Status401Unauthorized),
                OnRedirectToAccessDenied = context =>
                {
                    // The front door is Overview, which only Admin and Finance may open: send other roles to their own home.
                    if (context.Request.Path == "/" && ConsoleHome.For(context.HttpContext.User) is var home && home != "/")
                    {
                        context.Response.Redirect(home);
                        return Task.CompletedTask;
                    }
                    return ApiStatusOr(context, StatusCodes.Status403Forbidden);
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicies.Admin, policy => policy.RequireRole(Roles.Admin))
            .AddPolicy(ConsolePolicies.Finance, policy => policy.RequireRole(Roles.Admin, Roles.Finance))
            .AddPolicy(ConsolePolicies.Developer, policy => policy.RequireRole(Roles.Admin, Roles.Developer));

        // Role changes and disabled accounts take hold within a minute on open sessions, not after the default half hour.
        builder.Services.Configure<SecurityStampValidatorOptions>(stamp => stamp.ValidationInterval = TimeSpan.FromMinutes(1));
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ConsoleOptions>, ValidateConsoleOptions>();

        builder.Services.AddSingleton<ConsoleUsers>();
        builder.Services.AddSingleton<IStoreSeeder, FirstAdminFromEnvironment>();
        builder.Services.AddSingleton<ConsoleQueries>();
        builder.Services.AddScoped<KeyFlow>();
        builder.Services.AddSingleton<PrerenderedResults>();
        builder.Services.AddScoped<PrerenderHandoff>();
        return builder;
    }

    /// <summary>Security headers for console pages (gateway answers carry the provider's own headers).</summary>
    public static WebApplication UseConsoleSecurityHeaders(this WebApplication app)
    {
        // Synchronous, in the RequestDelegate form: a gateway request passes through without an allocation.
        app.Use(next => context =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/v1") && !path.StartsWithSegments("/v1beta") && !path.StartsWithSegments("/mcp"))
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
            }
            return next(context);
        });
        return app;
    }

    public static WebApplication MapConsole(this WebApplication app)
    {
        Money.Configure(app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value);
        app.MapStaticAssets();
        app.MapAccountEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    private static Task ApiStatusOr(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
            context.Response.StatusCode = status;
        else
            context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>Where each role starts: Admin on Overview, Finance on Finance, Developer on My access.</summary>
public static class ConsoleHome
{
    public static string For(System.Security.Claims.ClaimsPrincipal user) =>
        user.IsInRole(Roles.Admin) ? "/" : user.IsInRole(Roles.Finance) ? "/finance" : user.IsInRole(Roles.Developer) ? "/me" : "/account/denied";

    public static string For(IEnumerable<string> roles)
    {
        var set = roles.ToHashSet(StringComparer.Ordinal);
        return set.Contains(Roles.Admin) ? "/" : set.Contains(Roles.Finance) ? "/finance" : set.Contains(Roles.Developer) ? "/me" : "/account/denied";
    }
}

/// <summary>Who may open what in the console.</summary>
public static class ConsolePolicies
{
    /// <summary>Platform leads: everything.</summary>
    public const string Admin = "ConsoleAdmin";

    /// <summary>Usage, attribution and invoices, read-only: Finance and Admin.</summary>
    public const string Finance = "ConsoleFinance";

    /// <summary>A developer's own keys and usage.</summary>
    public const string Developer = "ConsoleDeveloper";
}
