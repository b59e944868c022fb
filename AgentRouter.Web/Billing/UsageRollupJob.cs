using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Billing;

/// <summary>Folds new usage records into the roll-ups (every minute): hourly per attribution key (invoices), daily and
/// monthly per attribution key in the billing time zone (Overview and Finance) and hourly latency histograms per
/// provider account and model (latency charts). Each batch reads the records above the lowest watermark, adds each record to the levels
/// that have not counted it yet and advances every watermark in one transaction, so a run that fails part-way counts
/// nothing and a second run finds nothing new: running the job twice changes nothing.</summary>
/// <remarks>On SQLite (one writer) a record with a lower id is committed before one with a higher id can be, so every
/// level reads up to the newest record. With concurrent writers (replicas on PostgreSQL) every level reads only up to
/// the id the job saw one <see cref="InvoiceOptions.RollupLag"/> earlier (kept on the hourly watermark), by when every
/// lower id has settled.</remarks>
public sealed class UsageRollupJob(
    IDbContextFactory<AppDbContext> factory, BillingCalendar calendar, TimeProvider clock, IOptions<InvoiceOptions> billing,
    IOptions<DataOptions> data, ILogger<UsageRollupJob> logger)
{
    /// <summary>The lagging watermark's delay (none on SQLite unless configured).</summary>
    internal TimeSpan Lag => billing.Value.RollupLag ?? (data.Value.Provider == DataProvider.PostgreSQL ? TimeSpan.FromMinutes(2) : TimeSpan.Zero);

    /// <summary>The transaction-scoped advisory lock that serialises runs on PostgreSQL ("AGRTROLL").</summary>
    internal const long RollupLockKey = 0x4147_5254_524f_4c4c;

    /// <summary>Records per transaction; small enough to keep the write lock short while the gateway records usage.</summary>
    internal int BatchSize { get; init; } = 5_000;

    /// <summary>Rolls up every record committed so far; returns how many it read.</summary>
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
        Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction;
        try
        {
            transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.SqliteErrorCode == 5)
        {
            // SQLite's one write lock stayed taken for the whole busy timeout: another run is rolling up (it loops until
            // it has caught up), so this one leaves the work to it, or to the next minute's run.
            logger.LogInformation("Usage roll-up: the store stayed busy; leaving the work to the run that holds it");
            return 0;
        }
        await using var _ = transaction;
        if (db.Database.IsNpgsql())
        {
            // Replicas run the job at the same minute; one run at a time (until its commit) keeps two runs from
            // deadlocking on the same roll-up rows, and the next one then reads the watermarks the first one left.
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock({0})", [RollupLockKey], cancellationToken);
        }
        var hourly = await WatermarkAsync(db, RollupWatermark.HourlyUsage, cancellationToken);
        var daily = await WatermarkAsync(db, RollupWatermark.DailyUsage(calendar.Zone), cancellationToken);
        var monthly = await WatermarkAsync(db, RollupWatermark.MonthlyUsage(calendar.Zone), cancellationToken);
        var latency = await WatermarkAsync(db, RollupWatermark.Latency, cancellationToken);
        if (db.Entry(daily).State == EntityState.Added)
        {
            // First run, or the time zone changed: days cut at another midnight are dropped and counted again.
            await db.DailyUsageRollups.ExecuteDeleteAsync(cancellationToken);
            await db.RollupWatermarks.Where(w => w.Name.StartsWith("usage-daily:") && w.Name != daily.Name).ExecuteDeleteAsync(cancellationToken);
        }
        if (db.Entry(monthly).State == EntityState.Added)
        {
            // The same for months (also the first run after the monthly level was added: it counts the records once).
            await db.MonthlyUsageRollups.ExecuteDeleteAsync(cancellationToken);
            await db.RollupWatermarks.Where(w => w.Name.StartsWith("usage-monthly:") && w.Name != monthly.Name).ExecuteDeleteAsync(cancellationToken);
        }
        RollupWatermark[] levels = [hourly, daily, monthly, latency];

        // The lag horizon: ids every level may count. Each watermark only ever advances to settled ids, so the highest of
        // them is settled; so is the id noted as the newest one lag ago (kept on the hourly watermark).
        var now = clock.GetUtcNow();
        var settled = levels.Max(w => w.LastUsageId);
        var horizon = Lag == TimeSpan.Zero ? long.MaxValue
            : hourly.PendingSince is { } since && since <= now - Lag ? Math.Max(settled, hourly.PendingUsageId)
            : settled;
        var from = levels.Min(w => w.LastUsageId);
        var records = await db.Usage.AsNoTracking().Where(u => u.Id > from && u.Id <= horizon).OrderBy(u => u.Id).Take(BatchSize)
            .Select(u => new RollupInput(
                u.Id, u.At, u.TeamId, u.DeveloperId ?? Guid.Empty, u.Agent, u.RequestedModel ?? "", u.UpstreamModel ?? "", u.Billing,
                u.Status >= 400 || u.Error != null, u.InputTokens, u.OutputTokens, u.CacheWriteTokens, u.CacheReadTokens, u.CostUsd,
                u.ProviderAccountId, u.LatencyMs, u.TimeToFirstByteMs))
            .ToListAsync(cancellationToken);
        if (records.Count == 0)
        {
            // Caught up with what is safe to count: note what is visible now, to count once the lag has passed.
            if (Lag > TimeSpan.Zero && (hourly.PendingSince is null || hourly.PendingUsageId <= horizon)
                && await db.Usage.MaxAsync(u => (long?)u.Id, cancellationToken) is { } newest && newest > horizon)
            {
                (hourly.PendingUsageId, hourly.PendingSince, hourly.UpdatedAt) = (newest, now, now);
                if (await TrySaveAsync(db, cancellationToken))
                    await transaction.CommitAsync(cancellationToken);
            }
            return 0;
        }

        await AddCountsAsync(db.UsageRollups, records.Where(r => r.Id > hourly.LastUsageId).ToList(), r => HourOf(r.At), r => r.HourUtc,
            (set, first, last, teams) => set.Where(r => r.HourUtc >= first && r.HourUtc <= last && teams.Contains(r.TeamId)),
            (hour, input) => new UsageRollup { HourUtc = hour, Agent = input.Agent, RequestedModel = input.RequestedModel, UpstreamModel = input.UpstreamModel },
            cancellationToken);
        await AddCountsAsync(db.DailyUsageRollups, records.Where(r => r.Id > daily.LastUsageId).ToList(), r => calendar.DayOf(r.At), r => r.Day,
            (set, first, last, teams) => set.Where(r => r.Day >= first && r.Day <= last && teams.Contains(r.TeamId)),
            (day, input) => new DailyUsageRollup { Day = day, Agent = input.Agent, RequestedModel = input.RequestedModel, UpstreamModel = input.UpstreamModel },
            cancellationToken);
        await AddCountsAsync(db.MonthlyUsageRollups, records.Where(r => r.Id > monthly.LastUsageId).ToList(), r => calendar.MonthOf(r.At), r => r.Month,
            (set, first, last, teams) => set.Where(r => r.Month >= first && r.Month <= last && teams.Contains(r.TeamId)),
            (month, input) => new MonthlyUsageRollup { Month = month, Agent = input.Agent, RequestedModel = input.RequestedModel, UpstreamModel = input.UpstreamModel },
            cancellationToken);
        await AddLatencyAsync(db, records.Where(r => r.Id > latency.LastUsageId).ToList(), cancellationToken);

        foreach (var watermark in levels)
            (watermark.LastUsageId, watermark.UpdatedAt) = (Math.Max(watermark.LastUsageId, records[^1].Id), now);
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

    private static async Task<RollupWatermark> WatermarkAsync(AppDbContext db, string name, CancellationToken cancellationToken)
    {
        var watermark = await db.RollupWatermarks.SingleOrDefaultAsync(w => w.Name == name, cancellationToken);
        if (watermark is null)
            db.RollupWatermarks.Add(watermark = new RollupWatermark { Name = name });
        return watermark;
    }

    /// <summary>Adds records to one attribution level: loads the rows the increments touch and adds to them (an upsert
    /// without provider-specific SQL).</summary>
    private static async Task AddCountsAsync<TRow, TPeriod>(
        DbSet<TRow> set, List<RollupInput> records, Func<RollupInput, TPeriod> periodOf, Func<TRow, TPeriod> periodOfRow,
        Func<IQueryable<TRow>, TPeriod, TPeriod, List<Guid>, IQueryable<TRow>> existingIn, Func<TPeriod, RollupInput, TRow> create,
        CancellationToken cancellationToken)
        where TRow : UsageRollupCounts where TPeriod : struct, IComparable<TPeriod>
    {
        if (records.Count == 0)
            return;
        var groups = records.GroupBy(r => new RollupKey<TPeriod>(periodOf(r), r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing)).ToList();
        var first = groups.Min(g => g.Key.Period);
        var last = groups.Max(g => g.Key.Period);
        var teams = groups.Select(g => g.Key.TeamId).Distinct().ToList();
        var existing = await existingIn(set, first, last, teams).ToDictionaryAsync(
            r => new RollupKey<TPeriod>(periodOfRow(r), r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing), cancellationToken);
        foreach (var group in groups)
        {
            if (!existing.TryGetValue(group.Key, out var row))
            {
                row = create(group.Key.Period, group.First());
                (row.TeamId, row.DeveloperId, row.Billing) = (group.Key.TeamId, group.Key.DeveloperId, group.Key.Billing);
                set.Add(row);
            }
            foreach (var r in group)
            {
                row.Requests++;
                row.Errors += r.Failed ? 1 : 0;
                row.InputTokens += r.InputTokens;
                row.OutputTokens += r.OutputTokens;
                row.CacheWriteTokens += r.CacheWriteTokens;
                row.CacheReadTokens += r.CacheReadTokens;
                row.CostUsd += r.CostUsd;
            }
        }
    }

    /// <summary>Adds the latency of requests that succeeded at a provider to the hourly histograms.</summary>
    private static async Task AddLatencyAsync(AppDbContext db, List<RollupInput> records, CancellationToken cancellationToken)
    {
        var groups = records.Where(r => !r.Failed && r.ProviderAccountId is not null && r.UpstreamModel.Length > 0)
            .GroupBy(r => (Hour: HourOf(r.At), Account: r.ProviderAccountId!.Value, Model: r.UpstreamModel)).ToList();
        if (groups.Count == 0)
            return;
        var first = groups.Min(g => g.Key.Hour);
        var last = groups.Max(g => g.Key.Hour);
        var existing = await db.LatencyRollups.Where(r => r.HourUtc >= first && r.HourUtc <= last)
            .ToDictionaryAsync(r => (Hour: r.HourUtc, Account: r.ProviderAccountId, r.Model), cancellationToken);
        foreach (var group in groups)
        {
            if (!existing.TryGetValue(group.Key, out var row))
                db.LatencyRollups.Add(row = new LatencyRollup { HourUtc = group.Key.Hour, ProviderAccountId = group.Key.Account, Model = group.Key.Model });
            var (latency, firstByte) = (LatencyHistogram.Parse(row.Latency), LatencyHistogram.Parse(row.FirstByte));
            foreach (var r in group)
            {
                latency.Add(r.LatencyMs);
                if (r.TimeToFirstByteMs is { } ttfb)
                    firstByte.Add(ttfb);
            }
            (row.Requests, row.Latency, row.FirstByteRequests, row.FirstByte) = (latency.Count, latency.ToString(), firstByte.Count, firstByte.ToString());
        }
    }

    internal static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - utc % TimeSpan.TicksPerHour, TimeSpan.Zero);
    }

    private sealed record RollupInput(
        long Id, DateTimeOffset At, Guid TeamId, Guid DeveloperId, string Agent, string RequestedModel, string UpstreamModel, UsageBilling Billing,
        bool Failed, long InputTokens, long OutputTokens, long CacheWriteTokens, long CacheReadTokens, decimal CostUsd,
        Guid? ProviderAccountId, int LatencyMs, int? TimeToFirstByteMs);

    private readonly record struct RollupKey<TPeriod>(
        TPeriod Period, Guid TeamId, Guid DeveloperId, string Agent, string RequestedModel, string UpstreamModel, UsageBilling Billing);
}
