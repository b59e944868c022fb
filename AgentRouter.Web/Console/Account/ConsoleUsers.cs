using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Console.Account;

public sealed record ConsoleUserView(string Id, string Email, IReadOnlyList<string> Roles, bool LockedOut, string? DeveloperName);

public sealed record CreateConsoleUserRequest(string? Email, string? Password, string? Role);

/// <summary>Console users and their roles. The first Admin comes from the one-time setup flow (or from
/// <c>AGENTROUTER_ADMIN_EMAIL</c>/<c>AGENTROUTER_ADMIN_PASSWORD</c> read once at start); there is no default password.</summary>
public sealed class ConsoleUsers(IServiceScopeFactory scopes, IDbContextFactory<AppDbContext> factory)
{
    public static readonly string[] AllRoles = [Roles.Admin, Roles.Finance, Roles.Developer];

    public async Task<bool> SetupNeededAsync(CancellationToken cancellationToken) =>
        !await factory.Query(db => db.Users.AnyAsync(cancellationToken), cancellationToken);

    public async Task<List<ConsoleUserView>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id select new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var developers = await db.Developers.AsNoTracking().Where(d => d.UserId != null).ToDictionaryAsync(d => d.UserId!, d => d.Name, cancellationToken);
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).ToListAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        return users.Select(u => new ConsoleUserView(u.Id, u.Email ?? u.UserName ?? "", roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).ToList(),
            u.LockoutEnd > now, developers.GetValueOrDefault(u.Id))).ToList();
    }

    /// <summary>Creates a console user with one role. A Developer user is linked to the developer with the same email.</summary>
    public async Task<AdminResult<ConsoleUserView>> CreateAsync(CreateConsoleUserRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var email = request.Email?.Trim().ToLowerInvariant();
        problems.Require(!string.IsNullOrEmpty(email) && email.Contains('@'), "email", "A valid email address is required.");
        problems.Require(request.Role is not null && AllRoles.Contains(request.Role), "role", "Role must be Admin, Finance or Developer.");
        problems.Require(!string.IsNullOrEmpty(request.Password), "password", "A password is required.");
        if (problems.Any)
            return AdminResult<ConsoleUserView>.Invalid(problems);

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        await EnsureRolesAsync(scope.ServiceProvider);
        var user = new ConsoleUser { UserName = email, Email = email, EmailConfirmed = true };
        var created = await users.CreateAsync(user, request.Password!);
        if (!created.Succeeded)
        {
            foreach (var error in created.Errors)
                problems.Add(error.Code.StartsWith("Password", StringComparison.Ordinal) ? "password" : "email", error.Description);
            return AdminResult<ConsoleUserView>.Invalid(problems);
        }
        await users.AddToRoleAsync(user, request.Role!);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var developer = await db.Developers.FirstOrDefaultAsync(d => d.Email == email, cancellationToken);
        if (developer is not null)
            developer.UserId = user.Id;
        var view = new ConsoleUserView(user.Id, email!, [request.Role!], false, developer?.Name);
        db.Audit(actor, "user.created", "ConsoleUser", user.Id, null, view);
        await db.SaveChangesAsync(cancellationToken);
        return view;
    }

    internal static async Task EnsureRolesAsync(IServiceProvider services)
    {
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in AllRoles)
            if (!await roles.RoleExistsAsync(role))
                await roles.CreateAsync(new IdentityRole(role));
    }
}

/// <summary>Reads <c>AGENTROUTER_ADMIN_EMAIL</c> and <c>AGENTROUTER_ADMIN_PASSWORD</c> once: when the store has no
/// console user yet, creates that Admin. Later starts ignore them.</summary>
internal sealed class FirstAdminFromEnvironment(IConfiguration configuration, ConsoleUsers users, TimeProvider clock, ILogger<FirstAdminFromEnvironment> logger) : IStoreSeeder
{
    public async Task SeedAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var (email, password) = (configuration["AGENTROUTER_ADMIN_EMAIL"], configuration["AGENTROUTER_ADMIN_PASSWORD"]);
        if (string.IsNullOrEmpty(email) || string.IsNullOrEmpty(password) || !await users.SetupNeededAsync(cancellationToken))
            return;
        var result = await users.CreateAsync(new CreateConsoleUserRequest(email, password, Roles.Admin), new Actor("system", clock.GetUtcNow()), cancellationToken);
        if (result.Succeeded)
            logger.LogInformation("Created the first console Admin {Email} from AGENTROUTER_ADMIN_EMAIL", email);
        else
            logger.LogError("AGENTROUTER_ADMIN_EMAIL/PASSWORD were not accepted: {Problems}", string.Join("; ", result.Problems!.ToDictionary().SelectMany(p => p.Value)));
    }
}
