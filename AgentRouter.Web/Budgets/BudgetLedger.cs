using System.Collections.Concurrent;
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
/// <remarks>Windows start at midnight in the organisation's time zone, <c>Billing:TimeZone</c>, the one invoices use.
/// Admission takes no lock and allocates nothing: each window's committed tokens and nano-dollars are reserved with a
/// compare-and-swap that fails when the estimate does not fit (a later window refusing rolls the earlier ones back),
/// and which windows a developer of a team counts toward is worked out once per window and policy snapshot
/// (bench/Micro <c>BudgetAdmission</c>). USD is counted in nano-dollars, as the Redis ledger counts it.</remarks>
public sealed class BudgetLedger(TimeProvider clock, IOptions<InvoiceOptions> billing, IDbContextFactory<AppDbContext> factory, ILogger<BudgetLedger> logger)
    : IBudgetLedger
{
    private const decimal NanosPerUsd = 1_000_000_000m;

    private readonly ConcurrentDictionary<SpendKey, Spend> _spend = new();
    private readonly ConcurrentDictionary<(Guid Team, Guid Scope), SpendSet> _sets = new();
    private readonly Lock _seedGate = new();
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
        var set = SetFor(team, scopeDeveloper, now);
        var estimatedNanos = NanosUp(estimatedUsd);
        var spends = set.Spends;
        var warned = false;
        long? remainingTokens = null;
        long? remainingNanos = null;
        for (var i = 0; i < spends.Length; i++)
        {
            var limits = set.Limits[i];
            var spend = spends[i];
            if (!Spend.TryReserve(ref spend.CommittedTokens, estimatedTokens, limits.BlockTokens, out var tokensAfter))
                return Refuse(team, set, i, spend, estimatedTokens, estimatedNanos, now);
            if (!Spend.TryReserve(ref spend.CommittedNanos, estimatedNanos, limits.BlockNanos, out var nanosAfter))
            {
                Interlocked.Add(ref spend.CommittedTokens, -estimatedTokens);
                return Refuse(team, set, i, spend, estimatedTokens, estimatedNanos, now);
            }
            warned |= tokensAfter > limits.WarnTokens || nanosAfter > limits.WarnNanos;
            if (limits.AnyTokens != long.MaxValue)
                remainingTokens = Math.Min(remainingTokens ?? long.MaxValue, Math.Max(0, limits.AnyTokens - tokensAfter));
            if (limits.AnyNanos != long.MaxValue)
                remainingNanos = Math.Min(remainingNanos ?? long.MaxValue, Math.Max(0, limits.AnyNanos - nanosAfter));
        }
        return new Admission(spends, estimatedTokens, estimatedUsd, warned, null, remainingTokens, remainingNanos / NanosPerUsd);

        // Rolls back the windows reserved before window `failed` and names the budget that refused.
        Admission Refuse(TeamPolicy team, SpendSet set, int failed, Spend spend, long tokens, long nanos, DateTimeOffset now)
        {
            for (var j = 0; j < failed; j++)
            {
                Interlocked.Add(ref set.Spends[j].CommittedTokens, -tokens);
                Interlocked.Add(ref set.Spends[j].CommittedNanos, -nanos);
            }
            var committedTokens = Volatile.Read(ref spend.CommittedTokens);
            var committedNanos = Volatile.Read(ref spend.CommittedNanos);
            for (var b = 0; b < team.Budgets.Count; b++)
            {
                var budget = team.Budgets[b];
                if (set.SpendOf[b] != failed || budget.Mode != BudgetMode.Block)
                    continue;
                var overTokens = budget.Tokens is { } limit && committedTokens + tokens > limit;
                if (overTokens || budget.Usd is { } usd && committedNanos + nanos > Nanos(usd))
                    return Admission.Refuse(budget, BudgetWindow.For(budget.Cadence, now, _zone), team.Slug, overTokens);
            }
            // Another request's reservation came and went in between: the tightest blocking budget refuses.
            var tightest = team.Budgets.Where((b, index) => set.SpendOf[index] == failed && b.Mode == BudgetMode.Block).First();
            return Admission.Refuse(tightest, BudgetWindow.For(tightest.Cadence, now, _zone), team.Slug, tightest.Tokens is not null);
        }
    }

    /// <summary>Replaces the reservation with what was really used. Safe to call once per admission.</summary>
    public void Settle(Admission admission, long tokens, decimal usd)
    {
        if (admission.Reserved.Count == 0)
            return;
        var nanos = Nanos(usd);
        var estimatedNanos = NanosUp(admission.EstimatedUsd);
        foreach (var spend in admission.Reserved)
        {
            Interlocked.Add(ref spend.CommittedTokens, tokens - admission.EstimatedTokens);
            Interlocked.Add(ref spend.CommittedNanos, nanos - estimatedNanos);
            Interlocked.Add(ref spend.SettledTokens, tokens);
            Interlocked.Add(ref spend.SettledNanos, nanos);
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
        var spend = SpendFor(team, budget, scopeDeveloper, now);
        return (Volatile.Read(ref spend.SettledTokens), Volatile.Read(ref spend.SettledNanos) / NanosPerUsd, BudgetWindow.For(budget.Cadence, now, _zone));
    }

    /// <summary>Forgets windows that have ended; their spend is in the store. Idempotent.</summary>
    public int Prune()
    {
        var now = clock.GetUtcNow();
        var ended = 0;
        foreach (var key in _spend.Keys)
        {
            if (BudgetWindow.For(key.Cadence, key.Start, _zone).End <= now && _spend.TryRemove(key, out _))
                ended++;
        }
        foreach (var (key, set) in _sets)
        {
            if (set.ValidUntil <= now)
                _sets.TryRemove(KeyValuePair.Create(key, set));
        }
        lock (_seedGate)
            _seeded.RemoveWhere(s => BudgetWindow.For(s.Cadence, s.Start, _zone).End <= now);
        return ended;
    }

    /// <summary>Loads, from the store, the spend of every current window of every budget not seeded yet.</summary>
    public async Task SeedAsync(PolicySnapshot snapshot, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        List<(TeamPolicy Team, BudgetScope Scope, BudgetCadence Cadence, BudgetWindow Window)> missing;
        lock (_seedGate)
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
            lock (_seedGate)
            {
                if (!_seeded.Add((team.TeamId, scope, cadence, window.Start)))
                    continue;
            }
            foreach (var group in rows.GroupBy(r => r.Scope))
            {
                var spend = GetOrAdd(new SpendKey(scope, group.Key, cadence, window.Start));
                var tokens = group.Sum(r => r.Tokens);
                var nanos = Nanos(group.Sum(r => r.CostUsd));
                Interlocked.Add(ref spend.SettledTokens, tokens);
                Interlocked.Add(ref spend.CommittedTokens, tokens);
                Interlocked.Add(ref spend.SettledNanos, nanos);
                Interlocked.Add(ref spend.CommittedNanos, nanos);
            }
        }
        logger.LogDebug("Seeded {Count} budget windows from the store", missing.Count);
    }

    /// <summary>The windows a developer of a team counts toward now: cached until the first of them ends or the team's
    /// policy is replaced, so admission neither computes windows nor looks up spend.</summary>
    private SpendSet SetFor(TeamPolicy team, Guid scopeDeveloper, DateTimeOffset now)
    {
        var key = (team.TeamId, scopeDeveloper);
        if (_sets.TryGetValue(key, out var set) && ReferenceEquals(set.Team, team) && now < set.ValidUntil && now >= set.ValidFrom)
            return set;
        set = SpendSet.Build(team, scopeDeveloper, now, _zone, this);
        _sets[key] = set;
        return set;
    }

    private Spend SpendFor(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper, DateTimeOffset now) =>
        GetOrAdd(KeyOf(team, budget, scopeDeveloper, BudgetWindow.For(budget.Cadence, now, _zone)));

    private static SpendKey KeyOf(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper, BudgetWindow window) =>
        new(budget.Scope, budget.Scope == BudgetScope.Team ? team.TeamId : scopeDeveloper, budget.Cadence, window.Start);

    private Spend GetOrAdd(SpendKey key) => _spend.GetOrAdd(key, static _ => new Spend());

    internal static long Nanos(decimal usd) => (long)decimal.Round(usd * NanosPerUsd);

    /// <summary>Estimates are rounded up, so a reservation never admits a fraction of a nano-dollar too much.</summary>
    private static long NanosUp(decimal usd) => usd == 0 ? 0 : (long)decimal.Ceiling(usd * NanosPerUsd);

    /// <summary>Spend is about usage, not about a budget row: editing a profile's budgets keeps the window's spend.</summary>
    private readonly record struct SpendKey(BudgetScope Scope, Guid ScopeId, BudgetCadence Cadence, DateTimeOffset Start);

    /// <summary>The tightest limits of the budgets that count in one window; <see cref="long.MaxValue"/> where none.</summary>
    private readonly record struct WindowLimits(long BlockTokens, long BlockNanos, long WarnTokens, long WarnNanos, long AnyTokens, long AnyNanos);

    /// <summary>One team policy's windows for one developer (distinct, in budget order), with their limits.</summary>
    private sealed class SpendSet
    {
        public required TeamPolicy Team { get; init; }
        public required Spend[] Spends { get; init; }
        public required WindowLimits[] Limits { get; init; }

        /// <summary>For each of the team's budgets, the index of its window in <see cref="Spends"/>.</summary>
        public required int[] SpendOf { get; init; }
        public DateTimeOffset ValidFrom { get; init; }
        public DateTimeOffset ValidUntil { get; init; }

        public static SpendSet Build(TeamPolicy team, Guid scopeDeveloper, DateTimeOffset now, TimeZoneInfo zone, BudgetLedger ledger)
        {
            var spends = new List<Spend>();
            var limits = new List<WindowLimits>();
            var spendOf = new int[team.Budgets.Count];
            DateTimeOffset from = DateTimeOffset.MinValue, until = DateTimeOffset.MaxValue;
            for (var b = 0; b < team.Budgets.Count; b++)
            {
                var budget = team.Budgets[b];
                var window = BudgetWindow.For(budget.Cadence, now, zone);
                (from, until) = (window.Start > from ? window.Start : from, window.End < until ? window.End : until);
                var spend = ledger.GetOrAdd(KeyOf(team, budget, scopeDeveloper, window));
                var index = spends.IndexOf(spend);
                if (index < 0)
                {
                    (index, spendOf[b]) = (spends.Count, spends.Count);
                    spends.Add(spend);
                    limits.Add(new WindowLimits(long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue));
                }
                spendOf[b] = index;
                var tokens = budget.Tokens ?? long.MaxValue;
                var nanos = budget.Usd is { } usd ? Nanos(usd) : long.MaxValue;
                var l = limits[index];
                limits[index] = budget.Mode == BudgetMode.Block
                    ? l with { BlockTokens = Math.Min(l.BlockTokens, tokens), BlockNanos = Math.Min(l.BlockNanos, nanos), AnyTokens = Math.Min(l.AnyTokens, tokens), AnyNanos = Math.Min(l.AnyNanos, nanos) }
                    : l with { WarnTokens = Math.Min(l.WarnTokens, tokens), WarnNanos = Math.Min(l.WarnNanos, nanos), AnyTokens = Math.Min(l.AnyTokens, tokens), AnyNanos = Math.Min(l.AnyNanos, nanos) };
            }
            return new SpendSet { Team = team, Spends = [.. spends], Limits = [.. limits], SpendOf = spendOf, ValidFrom = from, ValidUntil = until };
        }
    }
}

/// <summary>Spend in one window, changed only with interlocked operations. Committed is settled plus reserved.</summary>
public sealed class Spend
{
    public long SettledTokens;
    public long SettledNanos;
    public long CommittedTokens;
    public long CommittedNanos;

    /// <summary>Adds <paramref name="amount"/> to <paramref name="committed"/> unless that would pass
    /// <paramref name="limit"/>; <paramref name="after"/> is the total with it.</summary>
    internal static bool TryReserve(ref long committed, long amount, long limit, out long after)
    {
        var current = Volatile.Read(ref committed);
        while (true)
        {
            after = current + amount;
            if (after > limit)
                return false;
            var seen = Interlocked.CompareExchange(ref committed, after, current);
            if (seen == current)
                return true;
            current = seen;
        }
    }
}

/// <summary>The ledger's answer to one request (a value: admitting allocates nothing).</summary>
/// <param name="Reserved">In-process windows holding the reservation.</param>
/// <param name="Ticket">A shared ledger's record of where it reserved (e.g. Redis keys), for settling.</param>
/// <param name="Unavailable">Why budgets could not be checked at all (the shared ledger is unreachable); the
/// request is refused with a 503 rather than admitted unchecked.</param>
public readonly record struct Admission(
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
