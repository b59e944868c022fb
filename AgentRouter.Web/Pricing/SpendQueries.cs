using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Pricing;

/// <summary>What one model cost a developer in a period, with the dimensions it was billed on.</summary>
public sealed record ModelSpend(string Model, int Requests, long InputTokens, long OutputTokens, long CacheWrite5mTokens, long CacheWrite1hTokens,
    long CacheReadTokens, long WebSearches, int LongContextRequests, decimal CostUsd);

/// <summary>A developer's spend today (local day of the organisation), by model.</summary>
public sealed record DaySpend(DateOnly Day, decimal CostUsd, int Requests, IReadOnlyList<ModelSpend> Models);

/// <summary>Spend read from the usage records (each already priced when it was made).</summary>
public sealed class SpendQueries(IDbContextFactory<AppDbContext> factory, BillingCalendar calendar, TimeProvider clock)
{
    public async Task<DaySpend> TodayAsync(Guid developerId, CancellationToken cancellationToken)
    {
        var day = calendar.DayOf(clock.GetUtcNow());
        var (start, end) = (calendar.StartOf(day), calendar.StartOf(day.AddDays(1)));
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // One developer's day is small; SQLite cannot sum decimals, so the rows are summed here.
        var rows = await db.Usage.AsNoTracking().Where(u => u.DeveloperId == developerId && u.At >= start && u.At < end)
            .Select(u => new { Model = u.RequestedModel ?? "(none)", u.InputTokens, u.OutputTokens, u.CacheWriteTokens, u.CacheWrite1hTokens, u.CacheReadTokens, u.WebSearchRequests, u.LongContext, u.CostUsd })
            .ToListAsync(cancellationToken);
        var models = rows.GroupBy(r => r.Model).Select(g => new ModelSpend(g.Key, g.Count(), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens),
                g.Sum(r => r.CacheWriteTokens - r.CacheWrite1hTokens), g.Sum(r => r.CacheWrite1hTokens), g.Sum(r => r.CacheReadTokens), g.Sum(r => r.WebSearchRequests),
                g.Count(r => r.LongContext), g.Sum(r => r.CostUsd)))
            .OrderByDescending(m => m.CostUsd).ThenBy(m => m.Model, StringComparer.Ordinal).ToList();
        return new DaySpend(day, models.Sum(m => m.CostUsd), rows.Count, models);
    }
}
