using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

/// <summary>One attribution key's usage summed over a period.</summary>
public sealed record RollupKeySums(Guid TeamId, Guid DeveloperId, string Agent, string RequestedModel, string UpstreamModel, UsageBilling Billing,
    long Requests, long Errors, long InputTokens, long OutputTokens, long CacheWriteTokens, long CacheReadTokens, decimal CostUsd);

/// <summary>One team's usage summed over a period (tokens of all four kinds together).</summary>
public sealed record TeamSums(Guid TeamId, long Requests, long Errors, long Tokens, decimal CostUsd);

/// <summary>The usage of one local month's part of a period, per attribution key.</summary>
public sealed record MonthSums(DateOnly Month, IReadOnlyList<RollupKeySums> Keys);

/// <summary>How one month's part of a period is read: the month's row per key, less the days of the month outside the
/// period (<see cref="Subtract"/>), or the period's days of that month added up (<see cref="AddDays"/>).</summary>
public sealed record MonthPlan(DateOnly Month, bool UseMonth, (DateOnly From, DateOnly To)? AddDays, IReadOnlyList<(DateOnly From, DateOnly To)> Subtract);

/// <summary>Reads usage per attribution key for local days <c>from</c> to <c>to</c> from the monthly and daily roll-up
/// levels, so that the rows read grow with the attribution keys, not with the days: a month the period covers (or covers
/// up to today) is one monthly row per key; a partial month is whichever is fewer days, its days in the period added up,
/// or its monthly row less its days outside the period. The levels hold sums, so subtracting is exact.</summary>
public static class RollupPeriods
{
    /// <summary>Plans each month of the period. Days after <paramref name="today"/> hold no usage (they are still
    /// subtracted, so a record stamped ahead of the clock is not counted where it does not belong), so a month to date
    /// reads as a whole month. Without <paramref name="monthly"/>, every month adds up its days.</summary>
    public static IReadOnlyList<MonthPlan> Plan(DateOnly from, DateOnly to, DateOnly today, bool monthly = true)
    {
        var plans = new List<MonthPlan>();
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            var last = month.AddMonths(1).AddDays(-1);
            var (start, end) = (from > month ? from : month, to < last ? to : last);
            var inside = end.DayNumber - start.DayNumber + 1;
            var before = start > month ? (month, start.AddDays(-1)) : ((DateOnly, DateOnly)?)null;
            var after = end < last ? (end.AddDays(1), last) : ((DateOnly, DateOnly)?)null;
            var outsideWithUsage = DaysUpTo(before, today) + DaysUpTo(after, today);
            plans.Add(monthly && outsideWithUsage < inside
                ? new MonthPlan(month, true, null, new[] { before, after }.OfType<(DateOnly, DateOnly)>().ToList())
                : new MonthPlan(month, false, (start, end), []));
        }
        return plans;

        static int DaysUpTo((DateOnly From, DateOnly To)? range, DateOnly today) =>
            range is var (first, last) && first <= today ? (last < today ? last : today).DayNumber - first.DayNumber + 1 : 0;
    }

    /// <summary>Usage per month of the filter's period and per attribution key, narrowed by the filter's other fields.
    /// Keys without a request in the period are left out.</summary>
    public static async Task<IReadOnlyList<MonthSums>> SumByKeyAsync(AppDbContext db, AttributionFilter filter, DateOnly today, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        var results = new List<MonthSums>();
        foreach (var plan in Plan(filter.From, filter.To, today, await MonthlyLevelReadyAsync(db, zone, cancellationToken)))
        {
            var sums = new Dictionary<(Guid, Guid, string, string, string, UsageBilling), RollupKeySums>();
            foreach (var (month, days, sign) in Parts(db, plan, filter))
                // A month holds one row per key (its unique index), so its rows are read as they are, without a GROUP BY
                // that would only cost the database a comparison of six columns per row.
                Add(sums, month is not null ? await RowsAsync(month, cancellationToken) : await ByKeyAsync(days!, cancellationToken), sign);
            results.Add(new MonthSums(plan.Month, sums.Values.Where(s => s.Requests != 0).ToList()));
        }
        return results;
    }

    /// <summary>Usage per team over the filter's period, narrowed by its other fields: the same months, days and
    /// subtractions as <see cref="SumByKeyAsync"/>, summed per team by the database, so a page that shows teams (Overview)
    /// reads one row per team and month part instead of one per attribution key. Teams without a request in the period are
    /// left out. Equal, team by team, to adding up <see cref="SumByKeyAsync"/>'s keys.</summary>
    public static async Task<IReadOnlyList<TeamSums>> SumByTeamAsync(AppDbContext db, AttributionFilter filter, DateOnly today, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        var sums = new Dictionary<Guid, TeamSums>();
        foreach (var plan in Plan(filter.From, filter.To, today, await MonthlyLevelReadyAsync(db, zone, cancellationToken)))
            foreach (var (month, days, sign) in Parts(db, plan, filter))
                AddTeams(sums, month is not null ? await ByTeamAsync(month, cancellationToken) : await ByTeamAsync(days!, cancellationToken), sign);
        return sums.Values.Where(s => s.Requests != 0).ToList();
    }

    /// <summary>The reads that make up one month of a plan, each with the sign it is counted with: the monthly row less
    /// the days outside the period, or the period's days of that month.</summary>
    private static IEnumerable<(IQueryable<MonthlyUsageRollup>? Month, IQueryable<DailyUsageRollup>? Days, int Sign)> Parts(
        AppDbContext db, MonthPlan plan, AttributionFilter filter)
    {
        if (!plan.UseMonth)
        {
            yield return (null, Days(plan.AddDays!.Value), 1);
            yield break;
        }
        yield return (Filtered(db.MonthlyUsageRollups.AsNoTracking().Where(r => r.Month == plan.Month), filter), null, 1);
        foreach (var range in plan.Subtract)
            yield return (null, Days(range), -1);

        IQueryable<DailyUsageRollup> Days((DateOnly From, DateOnly To) range) =>
            Filtered(db.DailyUsageRollups.AsNoTracking().Where(r => r.Day >= range.From && r.Day <= range.To), filter);
    }

    /// <summary>The monthly level is read only while it has counted exactly the records the daily level has (after an
    /// upgrade or a time-zone change it catches up on its own first).</summary>
    private static async Task<bool> MonthlyLevelReadyAsync(AppDbContext db, TimeZoneInfo zone, CancellationToken cancellationToken)
    {
        var names = new[] { RollupWatermark.DailyUsage(zone), RollupWatermark.MonthlyUsage(zone) };
        var marks = await db.RollupWatermarks.AsNoTracking().Where(w => names.Contains(w.Name)).ToDictionaryAsync(w => w.Name, w => w.LastUsageId, cancellationToken);
        return marks.Count == 2 && marks[names[0]] == marks[names[1]];
    }

    private static Task<List<TeamSums>> ByTeamAsync<T>(IQueryable<T> rollups, CancellationToken cancellationToken) where T : UsageRollupCounts =>
        rollups.GroupBy(r => r.TeamId)
            .Select(g => new TeamSums(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.Errors),
                g.Sum(r => r.InputTokens) + g.Sum(r => r.OutputTokens) + g.Sum(r => r.CacheWriteTokens) + g.Sum(r => r.CacheReadTokens), g.Sum(r => r.CostUsd)))
            .ToListAsync(cancellationToken);

    private static void AddTeams(Dictionary<Guid, TeamSums> sums, List<TeamSums> rows, int sign)
    {
        foreach (var row in rows)
            sums[row.TeamId] = sums.TryGetValue(row.TeamId, out var s)
                ? new TeamSums(row.TeamId, s.Requests + sign * row.Requests, s.Errors + sign * row.Errors, s.Tokens + sign * row.Tokens, s.CostUsd + sign * row.CostUsd)
                : new TeamSums(row.TeamId, sign * row.Requests, sign * row.Errors, sign * row.Tokens, sign * row.CostUsd);
    }

    /// <summary>Narrows either level by the filter's fields other than its days.</summary>
    public static IQueryable<T> Filtered<T>(IQueryable<T> rollups, AttributionFilter filter) where T : UsageRollupCounts
    {
        if (filter.TeamId is { } team)
            rollups = rollups.Where(r => r.TeamId == team);
        if (filter.DeveloperId is { } developer)
            rollups = rollups.Where(r => r.DeveloperId == developer);
        if (!string.IsNullOrEmpty(filter.Agent))
            rollups = rollups.Where(r => r.Agent == filter.Agent);
        if (!string.IsNullOrEmpty(filter.Model))
            rollups = rollups.Where(r => r.UpstreamModel == filter.Model || (r.UpstreamModel == "" && r.RequestedModel == filter.Model));
        if (filter.Billing is { } billing)
            rollups = rollups.Where(r => r.Billing == billing);
        return rollups;
    }

    private static Task<List<RollupKeySums>> ByKeyAsync<T>(IQueryable<T> rollups, CancellationToken cancellationToken) where T : UsageRollupCounts =>
        rollups.GroupBy(r => new { r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing })
            .Select(g => new RollupKeySums(g.Key.TeamId, g.Key.DeveloperId, g.Key.Agent, g.Key.RequestedModel, g.Key.UpstreamModel, g.Key.Billing,
                g.Sum(r => r.Requests), g.Sum(r => r.Errors), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens),
                g.Sum(r => r.CacheWriteTokens), g.Sum(r => r.CacheReadTokens), g.Sum(r => r.CostUsd)))
            .ToListAsync(cancellationToken);

    private static Task<List<RollupKeySums>> RowsAsync<T>(IQueryable<T> rollups, CancellationToken cancellationToken) where T : UsageRollupCounts =>
        rollups.Select(r => new RollupKeySums(r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing,
                r.Requests, r.Errors, r.InputTokens, r.OutputTokens, r.CacheWriteTokens, r.CacheReadTokens, r.CostUsd))
            .ToListAsync(cancellationToken);

    private static void Add(Dictionary<(Guid, Guid, string, string, string, UsageBilling), RollupKeySums> sums, List<RollupKeySums> rows, int sign)
    {
        foreach (var row in rows)
        {
            var key = (row.TeamId, row.DeveloperId, row.Agent, row.RequestedModel, row.UpstreamModel, row.Billing);
            sums[key] = sums.TryGetValue(key, out var s)
                ? s with
                {
                    Requests = s.Requests + sign * row.Requests, Errors = s.Errors + sign * row.Errors,
                    InputTokens = s.InputTokens + sign * row.InputTokens, OutputTokens = s.OutputTokens + sign * row.OutputTokens,
                    CacheWriteTokens = s.CacheWriteTokens + sign * row.CacheWriteTokens, CacheReadTokens = s.CacheReadTokens + sign * row.CacheReadTokens,
                    CostUsd = s.CostUsd + sign * row.CostUsd,
                }
                : sign > 0 ? row
                : row with
                {
                    Requests = -row.Requests, Errors = -row.Errors, InputTokens = -row.InputTokens, OutputTokens = -row.OutputTokens,
                    CacheWriteTokens = -row.CacheWriteTokens, CacheReadTokens = -row.CacheReadTokens, CostUsd = -row.CostUsd,
                };
        }
    }
}
