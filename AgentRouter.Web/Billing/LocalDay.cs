namespace AgentRouter.Web.Billing;

/// <summary>When a local day starts, the one answer budgets (<see cref="Budgets.BudgetWindow"/>) and billing
/// (<see cref="BillingCalendar"/>) both use, so a request is never in one day for its budget and in another for its
/// invoice.</summary>
public static class LocalDay
{
    /// <summary>The local day an instant falls in.</summary>
    public static DateOnly Of(DateTimeOffset instant, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>The instant the day starts in <paramref name="zone"/>: the moment its clocks first show midnight.
    /// Where DST repeats midnight, that is its first occurrence; where DST skips midnight, the day starts at the
    /// transition (when the clocks jump, e.g. from 00:00 to 01:00).</summary>
    public static DateTimeOffset Start(DateOnly day, TimeZoneInfo zone)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        TimeSpan offset;
        if (zone.IsAmbiguousTime(midnight))
            offset = zone.GetAmbiguousTimeOffsets(midnight).Max();
        else if (zone.IsInvalidTime(midnight))
            // The offset in force before the jump: midnight by that offset is the instant the clocks jump.
            offset = zone.GetUtcOffset(midnight.AddHours(-12));
        else
            offset = zone.GetUtcOffset(midnight);
        return new DateTimeOffset(midnight - offset, TimeSpan.Zero);
    }
}
