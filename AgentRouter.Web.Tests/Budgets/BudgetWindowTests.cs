using AgentRouter.Web.Budgets;

namespace AgentRouter.Web.Tests.Budgets;

public sealed class BudgetWindowTests
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void Daily_StartsAtLocalMidnight()
    {
        // 2026-06-15 23:30 UTC is 01:30 on the 16th in Paris (UTC+2).
        var window = BudgetWindow.For(BudgetCadence.Daily, new DateTimeOffset(2026, 6, 15, 23, 30, 0, TimeSpan.Zero), Paris);

        Assert.Equal(new DateTimeOffset(2026, 6, 15, 22, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(new DateTimeOffset(2026, 6, 16, 22, 0, 0, TimeSpan.Zero), window.End);
    }

    [Fact]
    public void Daily_OnTheSpringForwardDay_Lasts23Hours()
    {
        // Paris moved to summer time on 2026-03-29.
        var window = BudgetWindow.For(BudgetCadence.Daily, new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.Zero), Paris);

        Assert.Equal(new DateTimeOffset(2026, 3, 28, 23, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(TimeSpan.FromHours(23), window.End - window.Start);
    }

    [Fact]
    public void Daily_OnTheFallBackDay_Lasts25Hours()
    {
        var window = BudgetWindow.For(BudgetCadence.Daily, new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), NewYork);

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 4, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(TimeSpan.FromHours(25), window.End - window.Start);
    }

    [Fact]
    public void Weekly_StartsOnMondayMidnight_AcrossTheDstChange()
    {
        // Thursday 2026-10-29 in Paris; the week began Monday 26 October (already winter time, UTC+1)
        // and the previous week contained the change on Sunday 25 October.
        var window = BudgetWindow.For(BudgetCadence.Weekly, new DateTimeOffset(2026, 10, 29, 9, 0, 0, TimeSpan.Zero), Paris);
        var previous = BudgetWindow.For(BudgetCadence.Weekly, window.Start.AddTicks(-1), Paris);

        Assert.Equal(new DateTimeOffset(2026, 10, 25, 23, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(DayOfWeek.Monday, TimeZoneInfo.ConvertTime(window.Start, Paris).DayOfWeek);
        Assert.Equal(TimeSpan.FromHours(7 * 24 + 1), previous.End - previous.Start);
    }

    [Fact]
    public void Monthly_StartsOnTheFirstAtLocalMidnight()
    {
        var window = BudgetWindow.For(BudgetCadence.Monthly, new DateTimeOffset(2026, 3, 31, 22, 30, 0, TimeSpan.Zero), Paris);

        // 00:30 on 1 April in Paris: April's window.
        Assert.Equal(new DateTimeOffset(2026, 3, 31, 22, 0, 0, TimeSpan.Zero), window.Start);
        Assert.Equal(new DateTimeOffset(2026, 4, 30, 22, 0, 0, TimeSpan.Zero), window.End);
    }

    [Fact]
    public void SecondsUntilReset_RoundsUp_AndIsNeverZero()
    {
        var window = BudgetWindow.For(BudgetCadence.Daily, new DateTimeOffset(2026, 6, 15, 10, 0, 0, TimeSpan.Zero), TimeZoneInfo.Utc);

        Assert.Equal(14 * 3600, window.SecondsUntilReset(new DateTimeOffset(2026, 6, 15, 10, 0, 0, TimeSpan.Zero)));
        Assert.Equal(1, window.SecondsUntilReset(window.End));
    }
}
