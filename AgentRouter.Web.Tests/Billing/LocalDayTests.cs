using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Budgets and invoices agree on when a local day starts, on DST days too (one function, <see cref="LocalDay"/>).</summary>
public sealed class LocalDayTests
{
    private static BillingCalendar Calendar(string zone) => new(Options.Create(new InvoiceOptions { TimeZone = zone }));

    [Theory]
    // Havana leaves DST at 01:00 back to 00:00: midnight happens twice; the day starts at the first one (UTC-4).
    [InlineData("America/Havana", "2024-11-03", "2024-11-03T04:00:00Z", 25)]
    // Santiago enters DST at midnight (00:00 → 01:00): the day starts at the jump, 04:00 UTC, and lasts 23 hours.
    [InlineData("America/Santiago", "2024-09-08", "2024-09-08T04:00:00Z", 23)]
    // São Paulo did the same in 2018 (at UTC-3).
    [InlineData("America/Sao_Paulo", "2018-11-04", "2018-11-04T03:00:00Z", 23)]
    // Europe moves at 01:00 UTC, away from midnight: an ordinary midnight, a 23-hour and a 25-hour day.
    [InlineData("Europe/London", "2026-03-29", "2026-03-29T00:00:00Z", 23)]
    [InlineData("Europe/London", "2026-10-25", "2026-10-24T23:00:00Z", 25)]
    [InlineData("America/New_York", "2026-11-01", "2026-11-01T04:00:00Z", 25)]
    public void BudgetsAndBilling_StartTheDstDayAtTheSameInstant(string zoneId, string dayText, string expectedStart, int hours)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var day = DateOnly.Parse(dayText);
        var expected = DateTimeOffset.Parse(expectedStart);
        var noon = Calendar(zoneId).StartOf(day).AddHours(12);

        var budget = BudgetWindow.For(BudgetCadence.Daily, noon, zone);
        var billingStart = Calendar(zoneId).StartOf(day);

        Assert.Equal(expected, billingStart);
        Assert.Equal(expected, budget.Start);
        Assert.Equal(Calendar(zoneId).StartOf(day.AddDays(1)), budget.End);
        Assert.Equal(TimeSpan.FromHours(hours), budget.End - budget.Start);
    }

    [Theory]
    [InlineData("America/Havana")]
    [InlineData("America/Santiago")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("Europe/London")]
    [InlineData("Asia/Beirut")]
    [InlineData("Australia/Sydney")]
    public void EveryDaySince2016_StartsWhereThePreviousDayEnds_ForBudgetsAndBilling(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var calendar = Calendar(zoneId);
        for (var day = new DateOnly(2016, 1, 1); day < new DateOnly(2027, 1, 1); day = day.AddDays(1))
        {
            var start = calendar.StartOf(day);
            // The first instant of the day is in the day; the one before it is in the previous day.
            Assert.Equal(day, calendar.DayOf(start));
            Assert.Equal(day.AddDays(-1), calendar.DayOf(start.AddTicks(-1)));
            Assert.Equal(start, BudgetWindow.For(BudgetCadence.Daily, start, zone).Start);
            Assert.Equal(start, BudgetWindow.For(BudgetCadence.Daily, start.AddTicks(-1), zone).End);
        }
    }
}
