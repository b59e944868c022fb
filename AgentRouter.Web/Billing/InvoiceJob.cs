namespace AgentRouter.Web.Billing;

/// <summary>Nightly: closes every month whose end (plus <see cref="InvoiceOptions.InvoiceCloseDelay"/>) has passed, then
/// refreshes the current month's preview. Closed months are never recomputed, and a preview whose figures did not
/// change is not rewritten, so running the job twice changes nothing.</summary>
public sealed class InvoiceJob(UsageRollupJob rollups, InvoiceService invoices, BillingCalendar calendar, TimeProvider clock)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Catch the roll-ups up first, so an invoice counts every record committed before it was cut.
        await rollups.RunAsync(cancellationToken);

        var now = clock.GetUtcNow();
        var current = calendar.MonthOf(now);
        var previous = current.AddMonths(-1);
        var due = new SortedSet<DateOnly>(await invoices.MonthsDueForCloseAsync(cancellationToken));
        if (calendar.MonthRange(previous).End + calendar.CloseDelay <= now)
            due.Add(previous);
        else
            // Still inside the close delay: keep last month's preview current until it closes.
            await invoices.RefreshPreviewAsync(previous, cancellationToken);
        foreach (var month in due)
            await invoices.CloseAsync(month, cancellationToken);

        await invoices.RefreshPreviewAsync(current, cancellationToken);
    }
}
