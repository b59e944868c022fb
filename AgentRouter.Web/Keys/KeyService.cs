using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Keys;

public sealed record KeyView(Guid Id, Guid TeamId, Guid? DeveloperId, string? ServiceAgent, string Name, string Prefix, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt);

/// <summary>The one answer that carries the key itself; it is never shown again.</summary>
public sealed record IssuedKey(Guid Id, string Key, string Prefix, string Name, Guid TeamId, Guid? DeveloperId, string? ServiceAgent, DateTimeOffset? ExpiresAt);

public sealed record CreateKeyRequest(Guid? TeamId, Guid? DeveloperId, string? ServiceAgent, string? Name, DateTimeOffset? ExpiresAt);

/// <summary>Issues and revokes Agent Router keys. A key is stored as a hash and a display prefix only.</summary>
public sealed class KeyService(IDbContextFactory<AppDbContext> factory, TimeProvider clock)
{
    public KeyView View(ApiKey k) => new(k.Id, k.TeamId, k.DeveloperId, k.ServiceAgent, k.Name, k.Prefix, Status(k), k.CreatedAt, k.ExpiresAt, k.RevokedAt, k.LastUsedAt);

    private string Status(ApiKey k) => k.RevokedAt is not null ? "revoked" : k.ExpiresAt <= clock.GetUtcNow() ? "expired" : "active";

    public Task<List<KeyView>> ListAsync(Guid? teamId, Guid? developerId, CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.ApiKeys.AsNoTracking()
                .Where(k => (teamId == null || k.TeamId == teamId) && (developerId == null || k.DeveloperId == developerId))
                .OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken)).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<IssuedKey>> CreateAsync(CreateKeyRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var name = request.Name?.Trim();
        problems.Require(!string.IsNullOrEmpty(name) && name.Length <= 100, "name", "Name is required (at most 100 characters).");
        problems.Require(request.ExpiresAt is null || request.ExpiresAt > actor.At, "expiresAt", "The expiry must be in the future.");
        var serviceAgent = request.ServiceAgent is null ? null : AgentDetector.Sanitize(request.ServiceAgent);
        problems.Require(request.ServiceAgent is null || serviceAgent is not null, "serviceAgent",
            "A service agent name is 1–64 lower-case letters, digits, '.', '-' or '_'.");
        problems.Require(request.DeveloperId is null || request.ServiceAgent is null, "serviceAgent", "A key belongs to a developer or to a service agent, not both.");

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var team = request.TeamId is { } teamId ? await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Id == teamId, cancellationToken) : null;
        if (team is null)
            problems.Add("teamId", "An existing team is required.");
        if (request.DeveloperId is { } developerId && team is not null &&
            !await db.Developers.AnyAsync(d => d.Id == developerId && d.TeamId == team.Id, cancellationToken))
            problems.Add("developerId", "The developer must exist and belong to the key's team.");
        if (problems.Any)
            return AdminResult<IssuedKey>.Invalid(problems);

        var secret = KeyMaterial.NewApiKey(team!.Slug);
        var key = new ApiKey
        {
            TeamId = team.Id, DeveloperId = request.DeveloperId, ServiceAgent = serviceAgent, Name = name!,
            Hash = KeyMaterial.Hash(secret), Prefix = KeyMaterial.Prefix(secret), CreatedAt = actor.At, ExpiresAt = request.ExpiresAt,
        };
        db.ApiKeys.Add(key);
        db.Audit(actor, "key.created", "ApiKey", key.Id, null, View(key));
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedKey(key.Id, secret, key.Prefix, key.Name, key.TeamId, key.DeveloperId, key.ServiceAgent, key.ExpiresAt);
    }

    /// <summary>A developer's own key, in their own team (so within its profile), from My access.</summary>
    public async Task<AdminResult<IssuedKey>> CreateOwnAsync(Guid developerId, string? name, DateTimeOffset? expiresAt, Actor actor, CancellationToken cancellationToken)
    {
        var teamId = await factory.Query(db => db.Developers.Where(d => d.Id == developerId).Select(d => (Guid?)d.TeamId).FirstOrDefaultAsync(cancellationToken), cancellationToken);
        if (teamId is null)
            return AdminResult<IssuedKey>.NotFound($"No developer {developerId}.");
        return await CreateAsync(new CreateKeyRequest(teamId, developerId, null, name, expiresAt), actor, cancellationToken);
    }

    /// <summary>Revokes a key only if it belongs to <paramref name="developerId"/>: a developer cannot revoke anyone else's.</summary>
    public async Task<AdminResult<KeyView>> RevokeOwnAsync(Guid id, Guid developerId, Actor actor, CancellationToken cancellationToken) =>
        await factory.Query(db => db.ApiKeys.AnyAsync(k => k.Id == id && k.DeveloperId == developerId, cancellationToken), cancellationToken)
            ? await RevokeAsync(id, actor, cancellationToken)
            : AdminResult<KeyView>.NotFound($"You have no key {id}.");

    /// <summary>Revokes a key; the gateway refuses it from the next request on. Revoking twice changes nothing.</summary>
    public async Task<AdminResult<KeyView>> RevokeAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var key = await db.ApiKeys.FindAsync([id], cancellationToken);
        if (key is null)
            return AdminResult<KeyView>.NotFound($"No key {id}.");
        if (key.RevokedAt is null)
        {
            var before = View(key);
            key.RevokedAt = actor.At;
            db.Audit(actor, "key.revoked", "ApiKey", id, before, View(key));
            await db.SaveChangesAsync(cancellationToken);
        }
        return View(key);
    }
}
