using AgentRouter.Web.Billing;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Which level each month of a period is read from (the sums themselves are checked against the raw records in
/// <see cref="UsageRollupJobTests{TRouter}"/>).</summary>
public sealed class RollupPeriodsTests
{
    private static DateOnly Nov(int day) => new(2026, 11, day);

    [Fact]
    public void WholeMonth_IsReadFromTheMonthlyLevel_WithNothingSubtracted()
    {
        var plan = Assert.Single(RollupPeriods.Plan(Nov(1), Nov(30), today: new DateOnly(2026, 12, 5)));

        Assert.Equal((Nov(1), true, (ValueTuple<DateOnly, DateOnly>?)null), (plan.Month, plan.UseMonth, plan.AddDays));
        Assert.Empty(plan.Subtract);
    }

    [Fact]
    public void MonthToDate_IsTheMonthlyRow_LessTheDaysAfterTheEnd()
    {
        var plan = Assert.Single(RollupPeriods.Plan(Nov(1), Nov(14), today: Nov(14)));

        Assert.True(plan.UseMonth);
        Assert.Equal(new[] { (Nov(15), Nov(30)) }, plan.Subtract);
    }

    [Fact]
    public void MostOfAPastMonth_IsTheMonthlyRow_LessTheDaysAtEitherEnd()
    {
        var plan = Assert.Single(RollupPeriods.Plan(Nov(3), Nov(28), today: new DateOnly(2027, 1, 1)));

        Assert.True(plan.UseMonth);
        Assert.Equal(new[] { (Nov(1), Nov(2)), (Nov(29), Nov(30)) }, plan.Subtract);
    }

    [Fact]
    public void AFewDays_AreAddedUpFromTheDailyLevel()
    {
        var plan = Assert.Single(RollupPeriods.Plan(Nov(10), Nov(20), today: Nov(29)));

        Assert.False(plan.UseMonth);
        Assert.Equal((Nov(10), Nov(20)), plan.AddDays);
    }

    [Fact]
    public void LastThirtyDays_ReadsTheDaysOfTheMonthBefore_AndTheCurrentMonthAsAWhole()
    {
        var plans = RollupPeriods.Plan(new DateOnly(2026, 10, 31), Nov(29), today: Nov(29));

        Assert.Equal(2, plans.Count);
        Assert.Equal((false, (new DateOnly(2026, 10, 31), new DateOnly(2026, 10, 31))), (plans[0].UseMonth, plans[0].AddDays));
        Assert.True(plans[1].UseMonth);
        Assert.Equal(new[] { (Nov(30), Nov(30)) }, plans[1].Subtract);
    }

    [Fact]
    public void WithoutTheMonthlyLevel_EveryMonthAddsUpItsDays()
    {
        var plans = RollupPeriods.Plan(new DateOnly(2026, 10, 1), Nov(30), today: Nov(30), monthly: false);

        Assert.Equal(new[] { (new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31)), (Nov(1), Nov(30)) }, plans.Select(p => p.AddDays!.Value));
        Assert.All(plans, p => Assert.False(p.UseMonth));
    }
}
