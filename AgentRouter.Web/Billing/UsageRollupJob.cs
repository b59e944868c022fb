using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

/// <summary>Folds new usage records into the hourly roll-ups (every minute). Each batch reads the records above the
/// watermark, adds them to their roll-up rows and advances the watermark in one transaction, so a run that fails
/// part-way counts nothing and a second run finds nothing new: running the job twice changes nothing.</summary>
/// <remarks>Reading by id is safe because the store has one writer at a time (SQLite): a record with a lower id is
/// committed before one with a higher id can be. A store with concurrent writers would need the watermark to lag
/// behind uncommitted ids.</remarks>
public sealed class UsageRollupJob(IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<UsageRollupJob> logger)
{
    /// <summary>Records per transaction; small enough to keep the write lock short while the gateway records usage.</summary>
    internal int BatchSize { get; init; } = 5_000;

    /// <summary>Rolls up every record committed so far; returns how many it counted.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (await RollUpBatchAsync(cancellationToken) is var counted and > 0)
            total += counted;
        if (total > 0)
            logger.LogInformation("Rolled up {Count} usage records", total);
        return total;
    }

    private async Task<int> RollUpBatchAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var watermark = await db.RollupWatermarks.SingleOrDefaultAsync(w => w.Name == RollupWatermark.HourlyUsage, cancellationToken);
        if (watermark is null)
            db.RollupWatermarks.Add(watermark = new RollupWatermark { Name = RollupWatermark.HourlyUsage });

        var records = await db.Usage.AsNoTracking().Where(u => u.Id > watermark.LastUsageId).OrderBy(u => u.Id).Take(BatchSize)
            .Select(u => new
            {
                u.Id, u.At, u.TeamId, u.DeveloperId, u.Agent, u.RequestedModel, u.UpstreamModel, u.Billing, u.Status, u.Error,
                u.InputTokens, u.OutputTokens, u.CacheWriteTokens, u.CacheReadTokens, u.CostUsd,
            })
            .ToListAsync(cancellationToken);
        if (records.Count == 0)
            return 0;

        var increments = records
            .GroupBy(r => new RollupKey(HourOf(r.At), r.TeamId, r.DeveloperId ?? Guid.Empty, r.Agent, r.RequestedModel ?? "", r.UpstreamModel ?? "", r.Billing))
            .Select(g => new
            {
                g.Key,
                Requests = (long)g.Count(),
                Errors = (long)g.Count(r => r.Status >= 400 || r.Error != null),
                Input = g.Sum(r => r.InputTokens),
                Output = g.Sum(r => r.OutputTokens),
                CacheWrite = g.Sum(r => r.CacheWriteTokens),
                CacheRead = g.Sum(r => r.CacheReadTokens),
                Cost = g.Sum(r => r.CostUsd),
            })
            .ToList();

        // Load the rows these increments touch and add to them: an upsert without provider-specific SQL.
        var first = increments.Min(i => i.Key.Hour);
        var last = increments.Max(i => i.Key.Hour);
        var teams = increments.Select(i => i.Key.TeamId).Distinct().ToList();
        var existing = await db.UsageRollups.Where(r => r.HourUtc >= first && r.HourUtc <= last && teams.Contains(r.TeamId))
            .ToDictionaryAsync(r => new RollupKey(r.HourUtc, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing), cancellationToken);
        foreach (var increment in increments)
        {
            if (!existing.TryGetValue(increment.Key, out var row))
            {
                var key = increment.Key;
                row = new UsageRollup
                {
                    HourUtc = key.Hour, TeamId = key.TeamId, DeveloperId = key.DeveloperId, Agent = key.Agent,
                    RequestedModel = key.RequestedModel, UpstreamModel = key.UpstreamModel, Billing = key.Billing,
                };
                db.UsageRollups.Add(row);
            }
            row.Requests += increment.Requests;
            row.Errors += increment.Errors;
            row.InputTokens += increment.Input;
            row.OutputTokens += increment.Output;
            row.CacheWriteTokens += increment.CacheWrite;
            row.CacheReadTokens += increment.CacheRead;
            row.CostUsd += increment.Cost;
        }

        watermark.LastUsageId = records[^1].Id;
        watermark.UpdatedAt = clock.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another run advanced the watermark first and counted these records; ours rolls back untouched.
            logger.LogInformation("Usage roll-up: another run got there first");
            return 0;
        }
        await transaction.CommitAsync(cancellationToken);
        return records.Count;
    }

    internal static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - utc % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    private readonly record struct RollupKey(
        DateTimeOffset Hour, Guid TeamId, Guid DeveloperId, string Agent, string RequestedModel, string UpstreamModel, UsageBilling Billing);
}
