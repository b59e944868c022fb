namespace AgentRouter.Web.Console;

/// <summary>The date presets finance filters offer, as inclusive day ranges ending today (or last month).</summary>
public static class DateRanges
{
    public static readonly IReadOnlyList<(string Key, string Label)> Presets =
        [("this-month", "This month"), ("last-month", "Last month"), ("last-7", "Last 7 days"), ("last-30", "Last 30 days")];

    public static (DateOnly From, DateOnly To) For(string preset, DateOnly today) => preset switch
    {
        "last-month" => (new DateOnly(today.Year, today.Month, 1).AddMonths(-1), new DateOnly(today.Year, today.Month, 1).AddDays(-1)),
        "last-7" => (today.AddDays(-6), today),
        "last-30" => (today.AddDays(-29), today),
        "this-month" => (new DateOnly(today.Year, today.Month, 1), today),
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown date preset."),
    };

    /// <summary>The preset a range is, if any, so its button shows as chosen.</summary>
    public static string? Match(DateOnly from, DateOnly to, DateOnly today) =>
        Presets.Select(p => p.Key).FirstOrDefault(key => For(key, today) == (from, to));
}
