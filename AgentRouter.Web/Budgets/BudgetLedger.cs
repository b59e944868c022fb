using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Budgets;

/// <summary>Pipeline step 4 (admit): spend per budget window, in memory. A request reserves its estimate against every
/// window it counts toward, or is refused when one does not fit; when it ends, the reservation is replaced by what the
/// provider reported. Concurrent requests therefore never overspend beyond what was admitted. Spend is seeded from
/// the store (at start and whenever a budget appears), so a restart never resets a window.</summary>
/// <remarks>Windows start at midnight in the organisation's time zone, <c>Billing:TimeZone</c>, the one invoices use.</remarks>
public sealed class BudgetLedger(TimeProvider clock, IOptions<InvoiceOptions> billing, IDbContextFactory<AppDbContext> factory, ILogger<BudgetLedger> logger)
    : IBudgetLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<SpendKey, Spend> _spend = [];
    private readonly HashSet<(Guid Team, BudgetScope Scope, BudgetCadence Cadence, DateTimeOffset Start)> _seeded = [];
    private readonly TimeZoneInfo _zone = TimeZoneInfo.FindSystemTimeZoneById(billing.Value.TimeZone);

    /// <summary>The organisation's time zone, in which windows start and reset.</summary>
    public TimeZoneInfo Zone => _zone;

    /// <summary>Tries to admit a request; on success the estimate is reserved and must be settled.</summary>
    public Admission Admit(TeamPolicy team, Guid scopeDeveloper, long estimatedTokens, decimal estimatedUsd)
    {
        if (team.Budgets.Count == 0)
            return Admission.Unlimited;
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var checks = team.Budgets.Select(b => (Budget: b, Window: BudgetWindow.For(b.Cadence, now, _zone), Spend: SpendFor(team, b, scopeDeveloper, now))).ToList();
            var warned = false;
            foreach (var (budget, window, spend) in checks)
            {
                var overTokens = budget.Tokens is { } tokens && spend.Committed + estimatedTokens > tokens;
                var overUsd = budget.Usd is { } usd && spend.CommittedUsd + estimatedUsd > usd;
                if (!overTokens && !overUsd)
                    continue;
                if (budget.Mode == BudgetMode.Block)
                    return Admission.Refuse(budget, window, team.Slug, overTokens);
                warned = true;
            }
            var reserved = checks.Select(c => c.Spend).Distinct().ToList();
            foreach (var spend in reserved)
            {
                spend.ReservedTokens += estimatedTokens;
                spend.ReservedUsd += estimatedUsd;
            }
            long? remainingTokens = checks.Where(c => c.Budget.Tokens is not null).Select(c => (long?)Math.Max(0, c.Budget.Tokens!.Value - c.Spend.Committed)).Min();
            decimal? remainingUsd = checks.Where(c => c.Budget.Usd is not null).Select(c => (decimal?)Math.Max(0, c.Budget.Usd!.Value - c.Spend.CommittedUsd)).Min();
            return new Admission(reserved, estimatedTokens, estimatedUsd, warned, null, remainingTokens, remainingUsd);
        }
    }

    /// <summary>Replaces the reservation with what was really used. Safe to call once per admission.</summary>
    public void Settle(Admission admission, long tokens, decimal usd)
    {
        if (admission.Reserved.Count == 0)
            return;
        lock (_gate)
        {
            foreach (var spend in admission.Reserved)
            {
                spend.ReservedTokens -= admission.EstimatedTokens;
                spend.ReservedUsd -= admission.EstimatedUsd;
                spend.Tokens += tokens;
                spend.Usd += usd;
            }
        }
    }

    ValueTask<Admission> IBudgetLedger.AdmitAsync(TeamPolicy team, Guid scopeDeveloper, long estimatedTokens, decimal estimatedUsd) =>
        ValueTask.FromResult(Admit(team, scopeDeveloper, estimatedTokens, estimatedUsd));

    ValueTask IBudgetLedger.SettleAsync(Admission admission, long tokens, decimal usd)
    {
        Settle(admission, tokens, usd);
        return ValueTask.CompletedTask;
    }

    /// <summary>What a scope has spent in the current window of a budget (for the console).</summary>
    public (long Tokens, decimal Usd, BudgetWindow Window) Current(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var spend = SpendFor(team, budget, scopeDeveloper, now);
            return (spend.Tokens, spend.Usd, BudgetWindow.For(budget.Cadence, now, _zone));
        }
    }

    /// <summary>Forgets windows that have ended; their spend is in the store. Idempotent.</summary>
    public int Prune()
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var ended = _spend.Keys.Where(k => BudgetWindow.For(k.Cadence, k.Start, _zone).End <= now).ToList();
            ended.ForEach(k => _spend.Remove(k));
            _seeded.RemoveWhere(s => BudgetWindow.For(s.Cadence, s.Start, _zone).End <= now);
            return ended.Count;
        }
    }

    /// <summary>Loads, from the store, the spend of every current window of every budget not seeded yet.</summary>
    public async Task SeedAsync(PolicySnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<(TeamPolicy Team, BudgetScope Scope, BudgetCadence Cadence, BudgetWindow Window)> missing;
        lock (_gate)
        {
            missing = snapshot.Teams.Values.SelectMany(t => t.Budgets.Select(b => (Team: t, b.Scope, b.Cadence, Window: BudgetWindow.For(b.Cadence, now, _zone))))
                .Distinct().Where(m => !_seeded.Contains((m.Team.TeamId, m.Scope, m.Cadence, m.Window.Start))).ToList();
        }
        if (missing.Count == 0)
            return;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        foreach (var (team, scope, cadence, window) in missing)
        {
            var usage = db.Usage.AsNoTracking().Where(u => u.TeamId == team.TeamId && u.At >= window.Start && u.At < window.End);
            if (!team.PassthroughCountsAgainstBudget)
                usage = usage.Where(u => u.Billing == UsageBilling.Central);
            // Summed client-side: SQLite cannot sum decimals in SQL.
            var rows = await usage.Select(u => new { Scope = scope == BudgetScope.Team ? team.TeamId : u.DeveloperId ?? u.ApiKeyId, Tokens = u.InputTokens + u.OutputTokens + u.CacheWriteTokens + u.CacheReadTokens, u.CostUsd })
                .ToListAsync(cancellationToken);
            lock (_gate)
            {
                if (!_seeded.Add((team.TeamId, scope, cadence, window.Start)))
                    continue;
                foreach (var group in rows.GroupBy(r => r.Scope))
                {
                    var spend = GetOrAdd(new SpendKey(scope, group.Key, cadence, window.Start));
                    spend.Tokens += group.Sum(r => r.Tokens);
                    spend.Usd += group.Sum(r => r.CostUsd);
                }
            }
        }
        logger.LogDebug("Seeded {Count} budget windows from the store", missing.Count);
    }

    private Spend SpendFor(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper, DateTimeOffset now) =>
        GetOrAdd(new SpendKey(budget.Scope, budget.Scope == BudgetScope.Team ? team.TeamId : scopeDeveloper, budget.Cadence, BudgetWindow.For(budget.Cadence, now, _zone).Start));

    private Spend GetOrAdd(SpendKey key)
    {
        if (!_spend.TryGetValue(key, out var spend))
            _spend[key] = spend = new Spend();
        return spend;
    }

    /// <summary>Spend is about usage, not about a budget row: editing a profile's budgets keeps the window's spend.</summary>
    private readonly record struct SpendKey(BudgetScope Scope, Guid ScopeId, BudgetCadence Cadence, DateTimeOffset Start);
}

/// <summary>Spend in one window; guarded by the ledger's lock.</summary>
public sealed class Spend
{
    public long Tokens;
    public decimal Usd;
    public long ReservedTokens;
    public decimal ReservedUsd;

    public long Committed => Tokens + ReservedTokens;
    public decimal CommittedUsd => Usd + ReservedUsd;
}

/// <summary>The ledger's answer to one request.</summary>
/// <param name="Reserved">In-process windows holding the reservation.</param>
/// <param name="Ticket">A shared ledger's record of where it reserved (e.g. Redis keys), for settling.</param>
/// <param name="Unavailable">Why budgets could not be checked at all (the shared ledger is unreachable); the
/// request is refused with a 503 rather than admitted unchecked.</param>
public sealed record Admission(
    IReadOnlyList<Spend> Reserved, long EstimatedTokens, decimal EstimatedUsd, bool OverBudget, BudgetRefusal? Refusal,
    long? RemainingTokens, decimal? RemainingUsd, object? Ticket = null, string? Unavailable = null)
{
    public static readonly Admission Unlimited = new([], 0, 0, false, null, null, null);

    public static Admission NotChecked(string why) => new([], 0, 0, false, null, null, null, Unavailable: why);

    public static Admission Refuse(BudgetPolicy budget, BudgetWindow window, string team, bool onTokens) =>
        new([], 0, 0, true, new BudgetRefusal(budget, window, team, onTokens), 0, 0);
}

/// <summary>Which budget refused a request, and when it resets.</summary>
public sealed record BudgetRefusal(BudgetPolicy Budget, BudgetWindow Window, string Team, bool OnTokens)
{
    public string Message(TimeZoneInfo zone)
    {
        var limit = OnTokens ? $"{Budget.Tokens:N0} tokens" : $"${Budget.Usd:0.00}";
        var scope = Budget.Scope == BudgetScope.Team ? "shared by the team" : "per developer";
        var resets = TimeZoneInfo.ConvertTime(Window.End, zone);
        return $"Budget exceeded: team '{Team}' has a {Budget.Cadence.ToString().ToLowerInvariant()} budget of {limit} {scope}, and this request does not fit in what is left. It resets at {resets:yyyy-MM-dd HH:mm} ({zone.Id}).";
    }
}

/// <summary>A budget as the gateway enforces it.</summary>
public sealed record BudgetPolicy(Guid Id, BudgetScope Scope, long? Tokens, decimal? Usd, BudgetCadence Cadence, BudgetMode Mode);
