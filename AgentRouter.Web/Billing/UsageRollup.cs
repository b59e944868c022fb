using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Billing;

/// <summary>What every usage roll-up level holds: usage summed per attribution key (team, developer, agent, requested
/// and upstream model, billing mode) over a period that the level defines.</summary>
/// <remarks>Keys never hold NULL: a unique index treats NULLs as distinct, which would let one key exist twice.
/// A request without a developer (a service agent's key) has <see cref="Guid.Empty"/>; a request without a model has "".</remarks>
public abstract class UsageRollupCounts
{
    public long Id { get; set; }

    public Guid TeamId { get; set; }

    /// <summary>The developer, or <see cref="Guid.Empty"/> for a service agent's key.</summary>
    public Guid DeveloperId { get; set; }

    public required string Agent { get; set; }
    public required string RequestedModel { get; set; }
    public required string UpstreamModel { get; set; }
    public UsageBilling Billing { get; set; }

    public long Requests { get; set; }

    /// <summary>Requests refused or failed (status ≥ 400), or that ended with an error noted (e.g. the client disconnected mid-stream).</summary>
    public long Errors { get; set; }

    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long CacheReadTokens { get; set; }

    /// <summary>Sum of the records' costs (for passthrough: the notional cost, which is never billed).</summary>
    public decimal CostUsd { get; set; }

    public long TotalTokens => InputTokens + OutputTokens + CacheWriteTokens + CacheReadTokens;

    /// <summary>The model as billed: the upstream id when the request got that far, else what was asked for.</summary>
    public string Model => UpstreamModel.Length > 0 ? UpstreamModel : RequestedModel;
}

/// <summary>Usage summed per UTC hour and per attribution key. Maintained incrementally by <see cref="UsageRollupJob"/>;
/// invoices read these rows, never the raw records, so they stay fast as usage grows.</summary>
public sealed class UsageRollup : UsageRollupCounts
{
    /// <summary>Start of the UTC hour the requests were made in.</summary>
    public DateTimeOffset HourUtc { get; set; }
}

/// <summary>Usage summed per local day (in <c>Billing:TimeZone</c>) and per attribution key: what Overview and Finance
/// read, so a month is about thirty rows per key however many requests it held.</summary>
/// <remarks>Rows belong to the time zone named in their watermark (<see cref="RollupWatermark.DailyUsage"/>); when the
/// configured zone changes, the job drops them and rolls the records up again.</remarks>
public sealed class DailyUsageRollup : UsageRollupCounts
{
    /// <summary>The local day the requests were made on.</summary>
    public DateOnly Day { get; set; }
}

/// <summary>Usage summed per local month (in <c>Billing:TimeZone</c>) and per attribution key: a whole month, or a
/// month to date, is one row per key however many days and requests it held. Finance and Overview read it for the months
/// a period covers and the daily level only for the days left over (<see cref="RollupPeriods"/>).</summary>
/// <remarks>Like the daily level, its rows belong to the time zone named in its watermark
/// (<see cref="RollupWatermark.MonthlyUsage"/>) and are rolled up again when the zone changes.</remarks>
public sealed class MonthlyUsageRollup : UsageRollupCounts
{
    /// <summary>The first day of the local month the requests were made in.</summary>
    public DateOnly Month { get; set; }
}

/// <summary>How far a roll-up has read the usage records: every record with an id at or below
/// <see cref="LastUsageId"/> is counted in the roll-up, none above it is.</summary>
/// <remarks>The watermark lags: a run notes the highest id visible (<see cref="PendingUsageId"/>, at
/// <see cref="PendingSince"/>) and a later run, once the lag has passed, counts up to it. Every id up to a visible one was
/// handed out before it, so by then each such record is committed or rolled back for good; a record another replica
/// committed late is counted, never skipped.</remarks>
public sealed class RollupWatermark
{
    public const string HourlyUsage = "usage-hourly";
    public const string Latency = "latency-hourly";

    /// <summary>The daily level's watermark, per time zone: a new zone starts from nothing.</summary>
    public static string DailyUsage(TimeZoneInfo zone) => "usage-daily:" + zone.Id;

    /// <summary>The monthly level's watermark, per time zone, as for the daily level.</summary>
    public static string MonthlyUsage(TimeZoneInfo zone) => "usage-monthly:" + zone.Id;

    public required string Name { get; set; }
    public long LastUsageId { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The highest id seen by the last run that looked; counted once <see cref="PendingSince"/> is old enough.</summary>
    public long PendingUsageId { get; set; }

    public DateTimeOffset? PendingSince { get; set; }
}

internal sealed class UsageRollupConfiguration : IEntityTypeConfiguration<UsageRollup>
{
    public void Configure(EntityTypeBuilder<UsageRollup> rollup)
    {
        rollup.ToTable("UsageRollupsHourly");
        UsageRollupCountsColumns.Configure(rollup);
        rollup.Property(r => r.CostUsd).HasPrecision(18, 9);
        rollup.HasIndex(r => new { r.HourUtc, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing }).IsUnique();
        rollup.HasIndex(r => new { r.TeamId, r.HourUtc });
    }
}

internal sealed class DailyUsageRollupConfiguration : IEntityTypeConfiguration<DailyUsageRollup>
{
    public void Configure(EntityTypeBuilder<DailyUsageRollup> rollup)
    {
        rollup.ToTable("UsageRollupsDaily");
        UsageRollupCountsColumns.Configure(rollup);
        // Whole nano-dollars (the records' precision): the database adds integers natively, where SQLite sums a
        // decimal through a function call per row, which dominated Overview and Finance at ten million records.
        rollup.Property(r => r.CostUsd).HasConversion(NanoDollars.Converter).HasColumnName("CostNanoUsd");
        rollup.HasIndex(r => new { r.Day, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing }).IsUnique();
        rollup.HasIndex(r => new { r.TeamId, r.Day });
        // Covers the spend-per-team-per-day charts (Finance): read from the index alone, not a row lookup per key and day.
        rollup.HasIndex(r => new { r.Day, r.TeamId, r.CostUsd });
    }
}

internal sealed class MonthlyUsageRollupConfiguration : IEntityTypeConfiguration<MonthlyUsageRollup>
{
    public void Configure(EntityTypeBuilder<MonthlyUsageRollup> rollup)
    {
        rollup.ToTable("UsageRollupsMonthly");
        UsageRollupCountsColumns.Configure(rollup);
        rollup.Property(r => r.CostUsd).HasConversion(NanoDollars.Converter).HasColumnName("CostNanoUsd");
        rollup.HasIndex(r => new { r.Month, r.TeamId, r.DeveloperId, r.Agent, r.RequestedModel, r.UpstreamModel, r.Billing }).IsUnique();
        rollup.HasIndex(r => new { r.TeamId, r.Month });
    }
}

/// <summary>The attribution key's columns, as every usage roll-up level stores them.</summary>
internal static class UsageRollupCountsColumns
{
    public static void Configure<T>(EntityTypeBuilder<T> rollup) where T : UsageRollupCounts
    {
        rollup.Property(r => r.Agent).HasMaxLength(64);
        rollup.Property(r => r.RequestedModel).HasMaxLength(200);
        rollup.Property(r => r.UpstreamModel).HasMaxLength(200);
        rollup.Property(r => r.Billing).HasConversion<string>().HasMaxLength(16);
        rollup.Ignore(r => r.TotalTokens);
        rollup.Ignore(r => r.Model);
    }
}

/// <summary>Money as a whole number of nano-dollars (9 decimals, the precision of a record's cost).</summary>
internal static class NanoDollars
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<decimal, long> Converter =
        new(usd => (long)decimal.Round(usd * 1_000_000_000m), nano => nano / 1_000_000_000m);
}

internal sealed class RollupWatermarkConfiguration : IEntityTypeConfiguration<RollupWatermark>
{
    public void Configure(EntityTypeBuilder<RollupWatermark> watermark)
    {
        watermark.HasKey(w => w.Name);
        watermark.Property(w => w.Name).HasMaxLength(64);
        // Two runs that read the same watermark cannot both advance it: the second save fails and rolls back.
        watermark.Property(w => w.LastUsageId).IsConcurrencyToken();
    }
}
