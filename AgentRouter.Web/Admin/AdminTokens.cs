using System.Security.Cryptography;
using System.Text;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using AgentRouter.Web.Keys;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Admin;

public sealed record AdminTokenView(Guid Id, string Name, string Prefix, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt);

public sealed record IssuedAdminToken(Guid Id, string Name, string Token);

public sealed record CreateAdminTokenRequest(string? Name);

/// <summary>Issues and revokes admin API tokens (stored as hashes, shown once).</summary>
public sealed class AdminTokens(IDbContextFactory<AppDbContext> factory, IConfiguration configuration, TimeProvider clock)
{
    public const string Kind = "arat";

    /// <summary>Checks an admin token (a stored one, or <c>AGENTROUTER_ADMIN_TOKEN</c>); returns the actor name it
    /// acts as, or null. Records when a stored token was last used.</summary>
    public async Task<string?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var environmentToken = configuration[AdminTokenHandler.EnvironmentVariable];
        if (!string.IsNullOrEmpty(environmentToken) &&
            CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(environmentToken)))
            return $"env:{AdminTokenHandler.EnvironmentVariable}";
        if (!token.StartsWith(Kind + "_", StringComparison.Ordinal))
            return null;
        var hash = KeyMaterial.Hash(token);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var stored = await db.AdminApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash && t.RevokedAt == null, cancellationToken);
        if (stored is null)
            return null;
        await db.AdminApiTokens.Where(t => t.Id == stored.Id).ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, clock.GetUtcNow()), cancellationToken);
        return $"token:{stored.Name}";
    }

    public async Task<List<AdminTokenView>> ListAsync(CancellationToken cancellationToken) =>
        await factory.Query(db => db.AdminApiTokens.AsNoTracking().OrderBy(t => t.CreatedAt)
            .Select(t => new AdminTokenView(t.Id, t.Name, t.Prefix, t.CreatedBy, t.CreatedAt, t.LastUsedAt, t.RevokedAt)).ToListAsync(cancellationToken), cancellationToken);

    public async Task<AdminResult<IssuedAdminToken>> CreateAsync(CreateAdminTokenRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        problems.Require(!string.IsNullOrWhiteSpace(request.Name) && request.Name.Trim().Length <= 100, "name", "Name is required (at most 100 characters).");
        if (problems.Any)
            return AdminResult<IssuedAdminToken>.Invalid(problems);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var (token, secret) = New(request.Name!.Trim(), actor);
        db.AdminApiTokens.Add(token);
        db.Audit(actor, "admin-token.created", "AdminApiToken", token.Id, null, View(token));
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedAdminToken(token.Id, token.Name, secret);
    }

    public async Task<AdminResult<AdminTokenView>> RevokeAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var token = await db.AdminApiTokens.FindAsync([id], cancellationToken);
        if (token is null)
            return AdminResult<AdminTokenView>.NotFound($"No admin token {id}.");
        if (token.RevokedAt is null)
        {
            var before = View(token);
            token.RevokedAt = actor.At;
            db.Audit(actor, "admin-token.revoked", "AdminApiToken", id, before, View(token));
            await db.SaveChangesAsync(cancellationToken);
        }
        return View(token);
    }

    internal static (AdminApiToken Token, string Secret) New(string name, Actor actor)
    {
        var secret = $"{Kind}_{KeyMaterial.NewSecret()}";
        return (new AdminApiToken { Name = name, Hash = KeyMaterial.Hash(secret), Prefix = secret[..9] + "…", CreatedBy = actor.Name, CreatedAt = actor.At }, secret);
    }

    private static AdminTokenView View(AdminApiToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedBy, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}

/// <summary>On a fresh store with no admin token and no <c>AGENTROUTER_ADMIN_TOKEN</c>, issues one and writes it to a
/// file readable only by the service account (never to the log), so a newcomer can make the first API calls.</summary>
internal sealed class AdminBootstrap(IConfiguration configuration, IOptions<DataOptions> data, IHostEnvironment environment, TimeProvider clock, ILogger<AdminBootstrap> logger) : IStoreSeeder
{
    public const string FileName = "admin-token";

    public async Task SeedAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(configuration[AdminTokenHandler.EnvironmentVariable]) || await db.AdminApiTokens.AnyAsync(cancellationToken))
            return;
        var (token, secret) = AdminTokens.New("bootstrap", new Actor("system", clock.GetUtcNow()));
        db.AdminApiTokens.Add(token);
        db.Audit(new Actor("system", token.CreatedAt), "admin-token.created", "AdminApiToken", token.Id, null, new { token.Name, token.Prefix });
        await db.SaveChangesAsync(cancellationToken);

        var path = Path.Combine(Path.GetFullPath(data.Value.Directory, environment.ContentRootPath), FileName);
        await DataFolder.WritePrivateAsync(path, secret + Environment.NewLine, cancellationToken);
        logger.LogWarning("First start: an admin API token was written to {Path}. Use it as 'Authorization: Bearer <token>' on /api/admin, then revoke it once you have your own.", path);
    }
}

internal static class AdminTokensApi
{
    public static void MapAdminTokensApi(this RouteGroupBuilder admin)
    {
        var tokens = admin.MapGroup("/tokens").WithTags("Admin tokens");
        tokens.MapGet("/", (AdminTokens service, CancellationToken ct) => service.ListAsync(ct));
        tokens.MapPost("/", async Task<Results<Created<IssuedAdminToken>, ValidationProblem, NotFound<ProblemDetails>>> (CreateAdminTokenRequest request, AdminTokens service, HttpContext http, TimeProvider clock) =>
            (await service.CreateAsync(request, Actor.From(http.User, clock), http.RequestAborted)).ToCreated(t => $"/api/admin/tokens/{t.Id}"));
        tokens.MapDelete("/{id:guid}", async Task<Results<Ok<AdminTokenView>, ValidationProblem, NotFound<ProblemDetails>>> (Guid id, AdminTokens service, HttpContext http, TimeProvider clock) =>
            (await service.RevokeAsync(id, Actor.From(http.User, clock), http.RequestAborted)).ToOk());
    }
}
