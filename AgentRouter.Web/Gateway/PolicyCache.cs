using AgentRouter.Web.Budgets;
using AgentRouter.Web.Data;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.RateLimits;
using AgentRouter.Web.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AgentRouter.Web.Gateway;

/// <summary>Holds the current <see cref="PolicySnapshot"/> and rebuilds it from the store on change.</summary>
public sealed class PolicyCache(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, ProviderAdapters adapters, IBudgetLedger budgets, ILogger<PolicyCache> logger)
{
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private PolicySnapshot _current = PolicySnapshot.Empty;
    private Guid _stamp;

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new snapshot is in force (tests wait on it instead of sleeping).</summary>
    public event Action<PolicySnapshot>? Reloaded;

    /// <summary>The store's policy stamp (<see cref="PolicyVersion"/>) the current snapshot was built from.</summary>
    public Guid Stamp => _stamp;

    /// <summary>Rebuilds the snapshot. Reloads run one at a time, so the last one to finish has read the newest state;
    /// if a rebuild fails the previous snapshot keeps serving.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken);
        try
        {
            var (snapshot, stamp) = await BuildAsync(cancellationToken);
            // Budgets that just appeared start from what the store says was already spent in their window.
            await budgets.SeedAsync(snapshot, cancellationToken);
            Volatile.Write(ref _current, snapshot);
            _stamp = stamp;
            Reloaded?.Invoke(snapshot);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Policy reload failed; the previous policy stays in force");
            throw;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task<(PolicySnapshot, Guid)> BuildAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Read first: a change committed while the snapshot is built shows as a newer stamp at the next check.
        var stamp = await db.PolicyVersions.AsNoTracking().Where(v => v.Id == PolicyVersion.SingletonId).Select(v => v.Stamp).FirstOrDefaultAsync(cancellationToken);
        var catalog = await db.Catalog.AsNoTracking().ToDictionaryAsync(c => c.Model, cancellationToken);
        var prices = (await db.CatalogPrices.AsNoTracking().ToListAsync(cancellationToken))
            .GroupBy(p => p.Model, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new PriceHistory(g.Select(p => p.ToSheet())), StringComparer.Ordinal);
        var limits = catalog.ToDictionary(c => c.Key, c => new ModelLimits(c.Value.ContextWindow, c.Value.MaxOutputTokens));
        var accounts = (await db.ProviderAccounts.AsNoTracking().ToListAsync(cancellationToken)).ToDictionary(
            a => a.Id,
            a => adapters.Upstream(a, secrets));
        var mcpServers = (await db.McpServers.AsNoTracking().ToListAsync(cancellationToken)).ToDictionary(
            s => s.Id,
            s => new McpUpstream(s.Id, s.Name, s.Url, s.AuthKind, s.AuthHeader, s.SecretCipher is null ? null : secrets.Unprotect(s.SecretCipher)));
        var teams = await db.Teams.AsNoTracking().Include(t => t.Profile).ThenInclude(p => p.Models)
            .Include(t => t.Profile).ThenInclude(p => p.McpGrants)
            .Include(t => t.Profile).ThenInclude(p => p.Budgets)
            .Include(t => t.Profile).ThenInclude(p => p.Limits).AsSplitQuery().ToListAsync(cancellationToken);
        var teamPolicies = teams.ToDictionary(t => t.Id, t => new TeamPolicy(
            t.Id, t.Slug, t.Profile.BillingMode,
            t.Profile.Models.OrderBy(m => m.PublicName, StringComparer.Ordinal)
                .Select(m => new ModelRoute(m.PublicName, m.UpstreamModel, accounts[m.ProviderAccountId], prices.GetValueOrDefault(m.UpstreamModel), limits.GetValueOrDefault(m.UpstreamModel)))
                .ToList(),
            t.Profile.McpGrants.Select(g => new McpServerGrant(mcpServers[g.ServerId], g.Tools, g.Resources, g.Prompts)),
            t.Profile.Budgets.Select(b => new BudgetPolicy(b.Id, b.Scope, b.Tokens, b.Usd, b.Cadence, b.Mode)).ToList(),
            t.Profile.PassthroughCountsAgainstBudget,
            t.Profile.Limits.Select(l => new RateLimitPolicy(l.Scope, l.RequestsPerMinute, l.TokensPerMinute, l.Concurrent)).ToList()));
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.RevokedAt == null).ToListAsync(cancellationToken);
        var grants = keys.Select(k => new KeyGrant(k.Id, k.Hash, teamPolicies[k.TeamId], k.DeveloperId, k.ServiceAgent, k.ExpiresAt));
        return (new PolicySnapshot(grants, teamPolicies.Values, mcpServers.Values), stamp);
    }
}

/// <summary>Rebuilds the policy after any save that touched what the gateway decides on, whoever saved it
/// (console, admin API, job), so no caller can forget to.</summary>
internal sealed class PolicyChangeInterceptor(IServiceProvider services) : SaveChangesInterceptor
{
    private static readonly HashSet<Type> PolicyTypes =
        [typeof(Team), typeof(Developer), typeof(AccessProfile), typeof(ModelEntry), typeof(ProviderAccount), typeof(CatalogEntry), typeof(CatalogPrice), typeof(ApiKey),
         typeof(Budget), typeof(McpServer), typeof(McpGrant), typeof(RateLimit)];

    // Which contexts are mid-save with policy changes; weak, so a context that throws mid-save is not kept alive.
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, object> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Track(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Track(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context && _pending.Remove(context))
            ReloadAndAnnounceAsync().GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        // Resolved lazily: the cache itself depends on the context factory this interceptor is part of.
        // Not cancellable: once the change is committed the policy must follow it.
        if (eventData.Context is { } context && _pending.Remove(context))
            await ReloadAndAnnounceAsync();
        return result;
    }

    private async Task ReloadAndAnnounceAsync()
    {
        // Announce even if this replica's own reload failed: the others may well succeed.
        try
        {
            await services.GetRequiredService<PolicyCache>().ReloadAsync(CancellationToken.None);
        }
        finally
        {
            await services.GetRequiredService<IPolicyNotifier>().PublishAsync(CancellationToken.None);
        }
    }

    private void Track(DbContext? context)
    {
        if (context is null || !context.ChangeTracker.Entries().Any(IsPolicyChange))
            return;
        _pending.AddOrUpdate(context, this);
        // A new stamp, saved in the same transaction as the change, tells replicas that missed the notification.
        var version = context.ChangeTracker.Entries<PolicyVersion>().FirstOrDefault()?.Entity
            ?? context.Attach(new PolicyVersion { Id = PolicyVersion.SingletonId }).Entity;
        context.Entry(version).Property(v => v.Stamp).CurrentValue = Guid.NewGuid();
        context.Entry(version).Property(v => v.Stamp).IsModified = true;
    }

    private static bool IsPolicyChange(EntityEntry entry) =>
        entry.State is EntityState.Added or EntityState.Modified or EntityState.Deleted && PolicyTypes.Contains(entry.Metadata.ClrType);
}

/// <summary>Loads the first snapshot at start, after the store is migrated and before requests are served.</summary>
internal sealed class PolicyWarmup(PolicyCache cache) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => cache.ReloadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
