using System.Text;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Billing;

/// <summary>Builds monthly invoices from the hourly roll-ups, stores previews and closes months.</summary>
public sealed class InvoiceService(IDbContextFactory<AppDbContext> factory, BillingCalendar calendar, TimeProvider clock, ILogger<InvoiceService> logger)
{
    /// <summary>A month's invoice: as closed, when it is; otherwise computed now from the roll-ups (at most a minute
    /// behind the gateway), so a preview on screen is never a night old.</summary>
    public async Task<Invoice> GetAsync(DateOnly month, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var closed = await db.Invoices.AsNoTracking().Include(i => i.Lines)
            .SingleOrDefaultAsync(i => i.Month == BillingCalendar.Format(month) && i.Status == InvoiceStatus.Closed, cancellationToken);
        return closed ?? await ComputeAsync(db, month, cancellationToken);
    }

    /// <summary>Recomputes a month's preview and stores it when its figures changed. A closed month is left alone.</summary>
    /// <returns>Whether anything was written.</returns>
    public Task<bool> RefreshPreviewAsync(DateOnly month, CancellationToken cancellationToken) => StoreAsync(month, close: false, cancellationToken);

    /// <summary>Computes a month's final figures and closes it; once closed it is never recomputed.</summary>
    /// <returns>Whether the month was closed by this call (false when it already was).</returns>
    public Task<bool> CloseAsync(DateOnly month, CancellationToken cancellationToken) => StoreAsync(month, close: true, cancellationToken);

    /// <summary>Months with a stored preview whose end (plus the close delay) has passed.</summary>
    public async Task<List<DateOnly>> MonthsDueForCloseAsync(CancellationToken cancellationToken)
    {
        var due = clock.GetUtcNow() - calendar.CloseDelay;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var months = await db.Invoices.AsNoTracking().Where(i => i.Status == InvoiceStatus.Preview && i.PeriodEnd <= due).Select(i => i.Month).ToListAsync(cancellationToken);
        return months.Select(m => BillingCalendar.TryParseMonth(m, out var month) ? month : default).Where(m => m != default).ToList();
    }

    private async Task<bool> StoreAsync(DateOnly month, bool close, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // One transaction from read to write: the roll-ups read and the invoice written are one consistent picture.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.Invoices.Include(i => i.Lines).SingleOrDefaultAsync(i => i.Month == BillingCalendar.Format(month), cancellationToken);
        if (stored?.Status == InvoiceStatus.Closed)
            return false;

        var fresh = await ComputeAsync(db, month, cancellationToken);
        var now = clock.GetUtcNow();
        if (stored is null)
        {
            stored = fresh;
            db.Invoices.Add(stored);
        }
        else if (!SameLines(stored.Lines, fresh.Lines))
        {
            db.InvoiceLines.RemoveRange(stored.Lines);
            stored.Lines = fresh.Lines;
            stored.ComputedAt = fresh.ComputedAt;
        }
        else if (!close)
            return false;

        if (close)
        {
            stored.Status = InvoiceStatus.Closed;
            stored.ClosedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Invoice {Month} {Action}: {Lines} lines", stored.Month, close ? "closed" : "preview updated", stored.Lines.Count);
        return true;
    }

    private async Task<Invoice> ComputeAsync(AppDbContext db, DateOnly month, CancellationToken cancellationToken)
    {
        var (start, end) = calendar.MonthRange(month);
        // Summed in SQL per line and billing mode; EF Core's SQLite provider adds decimals exactly (as .NET decimals).
        var sums = await db.UsageRollups.AsNoTracking().Where(r => r.HourUtc >= start && r.HourUtc < end)
            .GroupBy(r => new { r.TeamId, r.Agent, r.DeveloperId, r.Billing })
            .Select(g => new
            {
                g.Key.TeamId, g.Key.Agent, g.Key.DeveloperId, g.Key.Billing,
                Requests = g.Sum(r => r.Requests), InputTokens = g.Sum(r => r.InputTokens), OutputTokens = g.Sum(r => r.OutputTokens),
                CacheWriteTokens = g.Sum(r => r.CacheWriteTokens), CacheReadTokens = g.Sum(r => r.CacheReadTokens), CostUsd = g.Sum(r => r.CostUsd),
            })
            .ToListAsync(cancellationToken);
        var teamIds = sums.Select(s => s.TeamId).Distinct().ToList();
        var developerIds = sums.Select(s => s.DeveloperId).Where(d => d != Guid.Empty).Distinct().ToList();
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        var developers = await db.Developers.AsNoTracking().Where(d => developerIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.Name, cancellationToken);

        var lines = sums.GroupBy(s => (s.TeamId, s.Agent, s.DeveloperId)).Select(g =>
        {
            var line = new InvoiceLine
            {
                TeamId = g.Key.TeamId,
                Team = teams.GetValueOrDefault(g.Key.TeamId, "(deleted team)"),
                Agent = g.Key.Agent,
                DeveloperId = g.Key.DeveloperId,
                Developer = g.Key.DeveloperId == Guid.Empty ? "(service agent)" : developers.GetValueOrDefault(g.Key.DeveloperId, "(deleted developer)"),
            };
            foreach (var s in g)
                (s.Billing == UsageBilling.Passthrough ? line.Passthrough : line.Central).Add(new InvoiceAmounts
                {
                    Requests = s.Requests, InputTokens = s.InputTokens, OutputTokens = s.OutputTokens,
                    CacheWriteTokens = s.CacheWriteTokens, CacheReadTokens = s.CacheReadTokens, CostUsd = s.CostUsd,
                });
            return line;
        }).ToList();

        return new Invoice
        {
            Month = BillingCalendar.Format(month),
            Status = InvoiceStatus.Preview,
            TimeZone = calendar.Zone.Id,
            PeriodStart = start,
            PeriodEnd = end,
            ComputedAt = clock.GetUtcNow(),
            Lines = lines,
        };
    }

    private static bool SameLines(List<InvoiceLine> stored, List<InvoiceLine> fresh)
    {
        if (stored.Count != fresh.Count)
            return false;
        var byKey = stored.ToDictionary(l => (l.TeamId, l.Agent, l.DeveloperId));
        return fresh.All(f => byKey.TryGetValue((f.TeamId, f.Agent, f.DeveloperId), out var s)
            && s.Team == f.Team && s.Developer == f.Developer && s.Central.SameAs(f.Central) && s.Passthrough.SameAs(f.Passthrough));
    }
}
