using System.Globalization;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Billing;

/// <summary>How invoices are cut. Bound from the <c>Billing</c> section.</summary>
public sealed class InvoiceOptions
{
    public const string Section = "Billing";

    /// <summary>The organisation's time zone (IANA or Windows id): invoice months and the finance view's days start at
    /// local midnight. Its offsets must be whole hours, because the roll-ups are hourly.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>How long after a month ends its invoice is closed, so requests still streaming at midnight are counted.</summary>
    public TimeSpan InvoiceCloseDelay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long the usage roll-up waits before counting records up to an id it has seen (the lagging
    /// watermark). Unset: none on SQLite (one writer, ids commit in order), 2 minutes on PostgreSQL, where replicas
    /// commit concurrently and a lower id can become visible after a higher one. It must exceed the longest a usage
    /// batch can stay uncommitted (the writer bounds it at 30 seconds).</summary>
    public TimeSpan? RollupLag { get; set; }
}

internal sealed class ValidateInvoiceOptions : IValidateOptions<InvoiceOptions>
{
    public ValidateOptionsResult Validate(string? name, InvoiceOptions options)
    {
        List<string> problems = [];
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var zone))
            problems.Add($"Billing:TimeZone '{options.TimeZone}' is not a known time zone.");
        else if (!BillingCalendar.HasWholeHourOffsets(zone))
            problems.Add($"Billing:TimeZone '{options.TimeZone}' has offsets that are not whole hours; hourly roll-ups cannot be cut at its midnight.");
        if (options.RollupLag is { } lag && (lag < TimeSpan.Zero || lag > TimeSpan.FromHours(1)))
            problems.Add("Billing:RollupLag must be between 0 and 1 hour.");
        if (options.InvoiceCloseDelay < TimeSpan.Zero || options.InvoiceCloseDelay > TimeSpan.FromDays(7))
            problems.Add("Billing:InvoiceCloseDelay must be between 0 and 7 days.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}

/// <summary>Months and days in the organisation's time zone, as UTC instants that fall on roll-up hour boundaries.</summary>
public sealed class BillingCalendar(IOptions<InvoiceOptions> options)
{
    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    public TimeSpan CloseDelay => options.Value.InvoiceCloseDelay;

    /// <summary>Parses <c>yyyy-MM</c>.</summary>
    public static bool TryParseMonth(string? text, out DateOnly month)
    {
        var ok = DateOnly.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out month);
        return ok && month.Year is >= 2000 and <= 9999;
    }

    public static string Format(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The month (its first day) that an instant falls in, locally.</summary>
    public DateOnly MonthOf(DateTimeOffset instant)
    {
        var day = DayOf(instant);
        return new DateOnly(day.Year, day.Month, 1);
    }

    public DateOnly DayOf(DateTimeOffset instant) => LocalDay.Of(instant, Zone);

    /// <summary>The local midnight that starts a day, as a UTC instant.</summary>
    public DateTimeOffset StartOf(DateOnly day) => LocalDay.Start(day, Zone);

    /// <summary>[start, end) of a month.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) MonthRange(DateOnly month)
    {
        var first = new DateOnly(month.Year, month.Month, 1);
        return (StartOf(first), StartOf(first.AddMonths(1)));
    }

    /// <summary>Whether every offset the zone has used since 2000 is whole hours (older history, such as local mean
    /// time in the 1800s, cannot matter to usage records).</summary>
    internal static bool HasWholeHourOffsets(TimeZoneInfo zone) =>
        zone.BaseUtcOffset.Ticks % TimeSpan.TicksPerHour == 0 &&
        zone.GetAdjustmentRules().Where(rule => rule.DateEnd.Year >= 2000).All(rule =>
            rule.DaylightDelta.Ticks % TimeSpan.TicksPerHour == 0 && (zone.BaseUtcOffset + rule.BaseUtcOffsetDelta).Ticks % TimeSpan.TicksPerHour == 0);
}
