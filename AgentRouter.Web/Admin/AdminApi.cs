using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Teams;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace AgentRouter.Web.Admin;

public static class AdminApi
{
    public const string Policy = "AdminApi";

    /// <summary>The admin services (shared with the console), the admin token scheme and OpenAPI.</summary>
    public static IHostApplicationBuilder AddAdminApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHttpClient(nameof(ProviderService), client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton<ProviderService>();
        builder.Services.AddSingleton<CatalogService>();
        builder.Services.AddSingleton<TeamService>();
        builder.Services.AddSingleton<ProfileService>();
        builder.Services.AddSingleton<KeyService>();
        builder.Services.AddSingleton<AdminTokens>();
        builder.Services.AddSingleton<IStoreSeeder, SandboxSeeder>();
        builder.Services.AddSingleton<IStoreSeeder, AdminBootstrap>();

        builder.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdminTokenHandler.SchemeName, null);
        // Automation presents an admin token; a signed-in console Admin may use the API from the browser too.
        // Finance and Developer cookies are refused.
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(AdminTokenHandler.SchemeName, IdentityConstants.ApplicationScheme)
            .RequireRole(Roles.Admin));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        return builder;
    }

    /// <summary>JSON under <c>/api/admin</c>, for automation; every change is audited.</summary>
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").RequireAuthorization(Policy).DisableAntiforgery();
        admin.MapProvidersApi();
        admin.MapTeamsApi();
        admin.MapKeysApi();
        admin.MapUsageApi();
        admin.MapAuditApi();
        admin.MapAdminTokensApi();
        admin.MapConsoleUsersApi();
        app.MapOpenApi();
        return app;
    }
}
