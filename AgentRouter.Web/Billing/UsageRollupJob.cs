using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Billing;

/// <summary>Folds new usage records into the hourly roll-ups (every minute). Each batch reads the records above the
/// watermark, adds them to their roll-up rows and advances the watermark in one transaction, so a run that fails
/// part-way counts nothing and a second run finds nothing new: running the job twice changes nothing.</summary>
/// <remarks>On SQLite (one writer) a record with a lower id is committed before one with a higher id can be, so the job
/// reads up to the newest record. With concurrent writers (replicas on PostgreSQL) it reads up to the id it saw one
/// <see cref="InvoiceOptions.RollupLag"/> earlier (<see cref="RollupWatermark"/>), by when every lower id has settled.</remarks>
public sealed class UsageRollupJob(
    IDbContextFactory<AppDbContext> factory, TimeProvider clock, IOptions<InvoiceOptions> billing, IOptions<DataOptions> data, ILogger<UsageRollupJob> logger)
{
    /// <summary>The lagging watermark's delay (none on SQLite unless configured).</summary>
    internal TimeSpan Lag => billing.Value.RollupLag ?? (data.Value.Provider == DataProvider.PostgreSQL ? TimeSpan.FromMinutes(2) : TimeSpan.Zero);

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

        var now = clock.GetUtcNow();
        var horizon = Lag == TimeSpan.Zero ? long.MaxValue
            : watermark.PendingSince is { } since && since <= now - Lag ? watermark.PendingUsageId
            : watermark.LastUsageId;
        var records = await db.Usage.AsNoTracking().Where(u => u.Id > watermark.LastUsageId && u.Id <= horizon).OrderBy(u => u.Id).Take(BatchSize)
            .Select(u => new
            {
                u.Id, u.At, u.TeamId, u.DeveloperId, u.Agent, u.RequestedModel, u.UpstreamModel, u.Billing, u.Status, u.Error,
                u.InputTokens, u.OutputTokens, u.CacheWriteTokens, u.CacheReadTokens, u.CostUsd,
            })
            .ToListAsync(cancellationToken);
        if (records.Count == 0)
        {
            // Caught up with what is safe to count: note what is visible now, to count once the lag has passed.
            if (Lag > TimeSpan.Zero && (watermark.PendingSince is null || watermark.PendingUsageId <= watermark.LastUsageId)
                && await db.Usage.MaxAsync(u => (long?)u.Id, cancellationToken) is { } newest && newest > watermark.LastUsageId)
            {
                (watermark.PendingUsageId, watermark.PendingSince, watermark.UpdatedAt) = (newest, now, now);
                if (await TrySaveAsync(db, cancellationToken))
                    await transaction.CommitAsync(cancellationToken);
            }
            return 0;
        }

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
        watermark.UpdatedAt = now;
        if (!await TrySaveAsync(db, cancellationToken))
            return 0;
        await transaction.CommitAsync(cancellationToken);
        return records.Count;
    }

    private async Task<bool> TrySaveAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || IsUniqueViolation(ex))
        {
            // Another run advanced the watermark (or created it) first and counted these records; ours rolls back untouched.
            logger.LogInformation("Usage roll-up: another run got there first");
            return false;
        }
    }

    private static bool IsUniqueViolation(DbUpdateException ex) =>
        ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 };

    internal static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - utc % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    private readonly record struct RollupKey(
        DateTimeOffset Hour, Guid TeamId, Guid DeveloperId, string Agent, string RequestedModel, string UpstreamModel, UsageBilling Billing);
}
