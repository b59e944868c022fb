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
public sealed class PolicyCache(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, BudgetLedger budgets, ILogger<PolicyCache> logger)
{
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private PolicySnapshot _current = PolicySnapshot.Empty;

    public PolicySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Rebuilds the snapshot. Reloads run one at a time, so the last one to finish has read the newest state;
    /// if a rebuild fails the previous snapshot keeps serving.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await BuildAsync(cancellationToken);
            // Budgets that just appeared start from what the store says was already spent in their window.
            await budgets.SeedAsync(snapshot, cancellationToken);
            Volatile.Write(ref _current, snapshot);
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

    private async Task<PolicySnapshot> BuildAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var catalog = await db.Catalog.AsNoTracking().ToDictionaryAsync(c => c.Model, cancellationToken);
        var prices = (await db.CatalogPrices.AsNoTracking().ToListAsync(cancellationToken))
            .GroupBy(p => p.Model, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new PriceHistory(g.Select(p => p.ToSheet())), StringComparer.Ordinal);
        var limits = catalog.ToDictionary(c => c.Key, c => new ModelLimits(c.Value.ContextWindow, c.Value.MaxOutputTokens));
        var accounts = (await db.ProviderAccounts.AsNoTracking().ToListAsync(cancellationToken)).ToDictionary(
            a => a.Id,
            a => new UpstreamAccount(a.Id, a.Name, a.Kind, a.BaseUrl, a.CredentialCipher is null ? null : secrets.Unprotect(a.CredentialCipher)));
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
            t.Profile.McpGrants.Select(g => new McpServerGrant(mcpServers[g.ServerId], g.Tools)),
            t.Profile.Budgets.Select(b => new BudgetPolicy(b.Id, b.Scope, b.Tokens, b.Usd, b.Cadence, b.Mode)).ToList(),
            t.Profile.PassthroughCountsAgainstBudget,
            t.Profile.Limits.Select(l => new RateLimitPolicy(l.Scope, l.RequestsPerMinute, l.TokensPerMinute, l.Concurrent)).ToList()));
        var keys = await db.ApiKeys.AsNoTracking().Where(k => k.RevokedAt == null).ToListAsync(cancellationToken);
        var grants = keys.Select(k => new KeyGrant(k.Id, k.Hash, teamPolicies[k.TeamId], k.DeveloperId, k.ServiceAgent, k.ExpiresAt));
        return new PolicySnapshot(grants, teamPolicies.Values, mcpServers.Values);
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
            services.GetRequiredService<PolicyCache>().ReloadAsync().GetAwaiter().GetResult();
        return result;
    }

    public override async ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        // Resolved lazily: the cache itself depends on the context factory this interceptor is part of.
        // Not cancellable: once the change is committed the policy must follow it.
        if (eventData.Context is { } context && _pending.Remove(context))
            await services.GetRequiredService<PolicyCache>().ReloadAsync(CancellationToken.None);
        return result;
    }

    private void Track(DbContext? context)
    {
        if (context is not null && context.ChangeTracker.Entries().Any(IsPolicyChange))
            _pending.AddOrUpdate(context, this);
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
