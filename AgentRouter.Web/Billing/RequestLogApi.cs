using System.Security.Claims;
using System.Text;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

/// <summary>The request log's CSV export: Admins (console or admin API token) export any records, a Developer only their own.</summary>
internal static class RequestLogApi
{
    public const string Policy = "RequestLogRead";

    public static void AddRequestLogPolicy(this IServiceCollection services) =>
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(AdminTokenHandler.SchemeName, IdentityConstants.ApplicationScheme)
            .RequireRole(Roles.Admin, Roles.Developer));

    public static void MapRequestLogApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/requests.csv", ExportAsync).RequireAuthorization(Policy).WithTags("Usage");

    /// <summary>The records the request log's filters match (the page's own query string), newest first, up to
    /// <see cref="RequestLogQueries.MaxExportRows"/>.</summary>
    private static async Task<Results<PushStreamHttpResult, ValidationProblem, ForbidHttpResult>> ExportAsync(
        HttpContext context, RequestLogQueries queries, IDbContextFactory<AppDbContext> factory, TimeProvider clock, CancellationToken ct)
    {
        var (filter, problems) = RequestLogFilter.Parse(context.Request.Query);
        if (problems.Any)
            return TypedResults.ValidationProblem(problems.ToDictionary());
        if (!context.User.IsInRole(Roles.Admin))
        {
            if (await OwnDeveloperIdAsync(context.User, factory, ct) is not { } developer)
                return TypedResults.Forbid();
            filter = filter with { DeveloperId = developer, TeamId = null };
        }
        var name = $"requests-{clock.GetUtcNow():yyyyMMdd-HHmmss}.csv";
        return TypedResults.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), 64 * 1024);
            await queries.WriteCsvAsync(filter, writer, ct);
        }, "text/csv; charset=utf-8", name);
    }

    /// <summary>The developer a signed-in console user is, by link or by email (as My access finds them).</summary>
    internal static async Task<Guid?> OwnDeveloperIdAsync(ClaimsPrincipal user, IDbContextFactory<AppDbContext> factory, CancellationToken ct)
    {
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";
        var email = user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name;
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.Developers.AsNoTracking().Where(d => d.UserId == userId || (email != null && d.Email == email))
            .Select(d => (Guid?)d.Id).FirstOrDefaultAsync(ct);
    }
}
