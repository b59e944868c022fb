using System.Globalization;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

public enum LatencyGrouping { Model, ProviderAccount }

/// <summary>Latency and time to first byte of one model or provider account: p50 and p95 per time bucket (null where it
/// served nothing) and over the whole period.</summary>
public sealed record LatencySeries(
    string Name, long Requests, int? P50LatencyMs, int? P95LatencyMs, int? P50FirstByteMs, int? P95FirstByteMs,
    IReadOnlyList<int?> P50Latency, IReadOnlyList<int?> P95Latency, IReadOnlyList<int?> P50FirstByte, IReadOnlyList<int?> P95FirstByte);

public sealed record LatencyReport(IReadOnlyList<string> Buckets, IReadOnlyList<LatencySeries> Series);

/// <summary>Latency percentiles over time from the hourly latency histograms (<see cref="LatencyRollup"/>): a period of
/// any length merges at most one row per hour, provider account and model.</summary>
public sealed class LatencyQueries(IDbContextFactory<AppDbContext> factory, BillingCalendar calendar)
{
    /// <summary>Periods up to this long chart per hour; longer ones per local day.</summary>
    public static readonly TimeSpan MaxHourlyPeriod = TimeSpan.FromHours(48);

    public async Task<LatencyReport> ReportAsync(DateTimeOffset from, DateTimeOffset to, LatencyGrouping by, CancellationToken cancellationToken)
    {
        var (start, end) = (UsageRollupJob.HourOf(from), to);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.LatencyRollups.AsNoTracking().Where(r => r.HourUtc >= start && r.HourUtc < end)
            .Select(r => new { r.HourUtc, r.ProviderAccountId, r.Model, r.Latency, r.FirstByte }).ToListAsync(cancellationToken);
        var accounts = by == LatencyGrouping.ProviderAccount
            ? await db.ProviderAccounts.AsNoTracking().ToDictionaryAsync(p => p.Id, p => p.Name, cancellationToken)
            : [];

        var (labels, bucketOf) = Buckets(start, end);
        var series = rows
            .GroupBy(r => by == LatencyGrouping.Model ? r.Model : accounts.GetValueOrDefault(r.ProviderAccountId, "(deleted account)"))
            .Select(group =>
            {
                var (latency, firstByte) = (new LatencyHistogram(), new LatencyHistogram());
                var latencyPer = labels.Select(_ => new LatencyHistogram()).ToArray();
                var firstBytePer = labels.Select(_ => new LatencyHistogram()).ToArray();
                foreach (var row in group)
                {
                    var bucket = bucketOf(row.HourUtc);
                    var (l, f) = (LatencyHistogram.Parse(row.Latency), LatencyHistogram.Parse(row.FirstByte));
                    latency.Add(l);
                    firstByte.Add(f);
                    latencyPer[bucket].Add(l);
                    firstBytePer[bucket].Add(f);
                }
                return new LatencySeries(group.Key, latency.Count, latency.Percentile(0.5), latency.Percentile(0.95), firstByte.Percentile(0.5),
                    firstByte.Percentile(0.95), latencyPer.Select(h => h.Percentile(0.5)).ToList(), latencyPer.Select(h => h.Percentile(0.95)).ToList(),
                    firstBytePer.Select(h => h.Percentile(0.5)).ToList(), firstBytePer.Select(h => h.Percentile(0.95)).ToList());
            })
            .OrderByDescending(s => s.Requests).ThenBy(s => s.Name, StringComparer.Ordinal).ToList();
        return new LatencyReport(labels, series);
    }

    private (List<string> Labels, Func<DateTimeOffset, int> BucketOf) Buckets(DateTimeOffset start, DateTimeOffset end)
    {
        if (end - start <= MaxHourlyPeriod)
        {
            var hours = (int)Math.Ceiling((end - start).TotalHours);
            var labels = Enumerable.Range(0, hours)
                .Select(i => TimeZoneInfo.ConvertTime(start.AddHours(i), calendar.Zone).ToString("dd MMM HH:00", CultureInfo.InvariantCulture)).ToList();
            return (labels, hour => Math.Clamp((int)((hour - start).Ticks / TimeSpan.TicksPerHour), 0, hours - 1));
        }
        var (first, last) = (calendar.DayOf(start), calendar.DayOf(end.AddTicks(-1)));
        var days = last.DayNumber - first.DayNumber + 1;
        var dayLabels = Enumerable.Range(0, days).Select(i => first.AddDays(i).ToString("dd MMM", CultureInfo.InvariantCulture)).ToList();
        return (dayLabels, hour => Math.Clamp(calendar.DayOf(hour).DayNumber - first.DayNumber, 0, days - 1));
    }
}
