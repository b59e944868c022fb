using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Console.Account;

/// <param name="LockedOut">Locked for a while after repeated failed sign-ins.</param>
/// <param name="Disabled">Disabled by an Admin until enabled again.</param>
public sealed record ConsoleUserView(string Id, string Email, IReadOnlyList<string> Roles, bool LockedOut, string? DeveloperName, bool Disabled = false);

public sealed record CreateConsoleUserRequest(string? Email, string? Password, string? Role);

public sealed record SetConsoleUserRoleRequest(string? Role);

public sealed record ResetConsoleUserPasswordRequest(string? Password);

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
        return users.Select(u => View(u, roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).ToList(), developers.GetValueOrDefault(u.Id))).ToList();
    }

    /// <summary>A disabled user is locked out until the end of time; a sign-in lockout ends after minutes.</summary>
    private static readonly DateTimeOffset DisabledUntil = DateTimeOffset.MaxValue;

    private static bool IsDisabled(ConsoleUser u) => u.LockoutEnd is { } end && end >= DisabledUntil.AddYears(-1);

    private static ConsoleUserView View(ConsoleUser u, IReadOnlyList<string> roles, string? developer) =>
        new(u.Id, u.Email ?? u.UserName ?? "", roles, !IsDisabled(u) && u.LockoutEnd > DateTimeOffset.UtcNow, developer, IsDisabled(u));

    /// <summary>Gives a user exactly one role. The last enabled Admin keeps theirs, so the console cannot lose its last administrator.</summary>
    public Task<AdminResult<ConsoleUserView>> SetRoleAsync(string id, SetConsoleUserRoleRequest request, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, actor, "user.role-changed", async (users, user, problems) =>
        {
            if (request.Role is null || !AllRoles.Contains(request.Role))
            {
                problems.Add("role", "Role must be Admin, Finance or Developer.");
                return;
            }
            var current = await users.GetRolesAsync(user);
            if (current.Contains(Roles.Admin) && request.Role != Roles.Admin && await IsLastAdminAsync(users, user))
            {
                problems.Add("role", "This is the last enabled Admin; make another user Admin first.");
                return;
            }
            await users.RemoveFromRolesAsync(user, current);
            await users.AddToRoleAsync(user, request.Role);
        }, cancellationToken);

    /// <summary>Disables (the user cannot sign in; open sessions end at their next check) or enables a user.
    /// Nobody disables themselves or the last enabled Admin.</summary>
    public Task<AdminResult<ConsoleUserView>> SetEnabledAsync(string id, bool enabled, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, actor, enabled ? "user.enabled" : "user.disabled", async (users, user, problems) =>
        {
            if (!enabled && string.Equals(user.Email, actor.Name, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("id", "You cannot disable your own account.");
                return;
            }
            if (!enabled && (await users.GetRolesAsync(user)).Contains(Roles.Admin) && await IsLastAdminAsync(users, user))
            {
                problems.Add("id", "This is the last enabled Admin; make another user Admin first.");
                return;
            }
            await users.SetLockoutEnabledAsync(user, true);
            await users.SetLockoutEndDateAsync(user, enabled ? null : DisabledUntil);
            if (enabled)
                await users.ResetAccessFailedCountAsync(user);
        }, cancellationToken);

    /// <summary>Sets a new password chosen by an Admin (the user is told it out of band); it must meet the password rules.</summary>
    public Task<AdminResult<ConsoleUserView>> ResetPasswordAsync(string id, ResetConsoleUserPasswordRequest request, Actor actor, CancellationToken cancellationToken) =>
        ChangeAsync(id, actor, "user.password-reset", async (users, user, problems) =>
        {
            if (string.IsNullOrEmpty(request.Password))
            {
                problems.Add("password", "A new password is required.");
                return;
            }
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, request.Password);
            foreach (var error in reset.Errors)
                problems.Add("password", error.Description);
        }, cancellationToken);

    private async Task<AdminResult<ConsoleUserView>> ChangeAsync(string id, Actor actor, string action,
        Func<UserManager<ConsoleUser>, ConsoleUser, Problems, Task> change, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ConsoleUser>>();
        await EnsureRolesAsync(scope.ServiceProvider);
        var user = await users.FindByIdAsync(id);
        if (user is null)
            return AdminResult<ConsoleUserView>.NotFound($"No console user {id}.");
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var developer = await db.Developers.AsNoTracking().Where(d => d.UserId == user.Id).Select(d => d.Name).FirstOrDefaultAsync(cancellationToken);
        var before = View(user, (await users.GetRolesAsync(user)).ToList(), developer);

        var problems = new Problems();
        await change(users, user, problems);
        if (problems.Any)
            return AdminResult<ConsoleUserView>.Invalid(problems);
        // A new stamp ends the user's open sessions at their next validation, so a role change or a disable takes hold.
        await users.UpdateSecurityStampAsync(user);
        var after = View(user, (await users.GetRolesAsync(user)).ToList(), developer);
        db.Audit(actor, action, "ConsoleUser", user.Id, before, after);
        await db.SaveChangesAsync(cancellationToken);
        return after;
    }

    private static async Task<bool> IsLastAdminAsync(UserManager<ConsoleUser> users, ConsoleUser user) =>
        !(await users.GetUsersInRoleAsync(Roles.Admin)).Any(u => u.Id != user.Id && !IsDisabled(u));

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
