namespace AgentRouter.Web.Budgets;

/// <summary>The window a budget counts in: from one local midnight (day, Monday, or first of the month in the
/// organisation's time zone) to the next, as UTC instants, so DST changes make days of 23 or 25 hours.</summary>
public readonly record struct BudgetWindow(BudgetCadence Cadence, DateTimeOffset Start, DateTimeOffset End)
{
    public static BudgetWindow For(BudgetCadence cadence, DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = Billing.LocalDay.Of(instant, zone).ToDateTime(TimeOnly.MinValue);
        var startDay = cadence switch
        {
            BudgetCadence.Daily => local,
            // ISO weeks start on Monday.
            BudgetCadence.Weekly => local.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            _ => new DateTime(local.Year, local.Month, 1),
        };
        var endDay = cadence switch
        {
            BudgetCadence.Daily => startDay.AddDays(1),
            BudgetCadence.Weekly => startDay.AddDays(7),
            _ => startDay.AddMonths(1),
        };
        return new BudgetWindow(cadence, LocalMidnight(startDay, zone), LocalMidnight(endDay, zone));
    }

    /// <summary>Whole seconds until the window resets (at least 1), for <c>retry-after</c>.</summary>
    public int SecondsUntilReset(DateTimeOffset now) => Math.Max(1, (int)Math.Ceiling((End - now).TotalSeconds));

    private static DateTimeOffset LocalMidnight(DateTime day, TimeZoneInfo zone) =>
        Billing.LocalDay.Start(DateOnly.FromDateTime(day), zone);
}
