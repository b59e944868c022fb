using AgentRouter.Web.Budgets;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Profiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Budgets;

public sealed class BudgetLedgerTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 6, 15, 10, 0, 0, TimeSpan.Zero));
    private readonly BudgetLedger _ledger;

    public BudgetLedgerTests() =>
        _ledger = new BudgetLedger(_clock, Options.Create(new AgentRouter.Web.Billing.InvoiceOptions()), new NoStore(), NullLogger<BudgetLedger>.Instance);

    private static TeamPolicy Team(params BudgetPolicy[] budgets) => new(Guid.NewGuid(), "payments", BillingMode.Central, [], budgets: budgets);

    private static BudgetPolicy Budget(long? tokens, BudgetScope scope = BudgetScope.Developer, BudgetMode mode = BudgetMode.Block, decimal? usd = null) =>
        new(Guid.NewGuid(), scope, tokens, usd, BudgetCadence.Daily, mode);

    [Fact]
    public void Admit_ReservesTheEstimate_AndRefusesWhatNoLongerFits()
    {
        var team = Team(Budget(1000));
        var developer = Guid.NewGuid();

        var first = _ledger.Admit(team, developer, 600, 0);
        var second = _ledger.Admit(team, developer, 600, 0);

        Assert.Null(first.Refusal);
        Assert.Equal(400, first.RemainingTokens);
        Assert.NotNull(second.Refusal);
        Assert.True(second.Refusal!.OnTokens);
    }

    [Fact]
    public void Settle_ReplacesTheReservationWithWhatWasUsed()
    {
        var team = Team(Budget(1000));
        var developer = Guid.NewGuid();

        _ledger.Settle(_ledger.Admit(team, developer, 900, 0), tokens: 100, usd: 0);
        var next = _ledger.Admit(team, developer, 850, 0);

        Assert.Null(next.Refusal);
        Assert.Equal(50, next.RemainingTokens);
    }

    [Fact]
    public void PerDeveloperBudgets_AreSeparate_TheTeamPoolIsShared()
    {
        var team = Team(Budget(100, BudgetScope.Developer), Budget(150, BudgetScope.Team));
        var (ada, grace) = (Guid.NewGuid(), Guid.NewGuid());

        Assert.Null(_ledger.Admit(team, ada, 100, 0).Refusal);
        Assert.Null(_ledger.Admit(team, grace, 50, 0).Refusal);
        var refused = _ledger.Admit(team, grace, 10, 0).Refusal;

        Assert.Equal(BudgetScope.Team, refused!.Budget.Scope);
    }

    [Fact]
    public void UsdBudget_RefusesOnCost()
    {
        var team = Team(Budget(tokens: null, usd: 1.00m));
        var developer = Guid.NewGuid();

        Assert.Null(_ledger.Admit(team, developer, 10, 0.60m).Refusal);
        var refusal = _ledger.Admit(team, developer, 10, 0.60m).Refusal;

        Assert.False(refusal!.OnTokens);
        Assert.Contains("$1.00", refusal.Message(TimeZoneInfo.Utc));
    }

    [Fact]
    public void WarnMode_AdmitsAndFlags()
    {
        var team = Team(Budget(100, mode: BudgetMode.Warn));
        var developer = Guid.NewGuid();

        var admission = _ledger.Admit(team, developer, 500, 0);

        Assert.Null(admission.Refusal);
        Assert.True(admission.OverBudget);
    }

    [Fact]
    public void ANewWindow_StartsAtZero()
    {
        var team = Team(Budget(1000));
        var developer = Guid.NewGuid();
        _ledger.Settle(_ledger.Admit(team, developer, 1000, 0), 1000, 0);
        Assert.NotNull(_ledger.Admit(team, developer, 1, 0).Refusal);

        _clock.Advance(TimeSpan.FromDays(1));

        Assert.Null(_ledger.Admit(team, developer, 1000, 0).Refusal);
        Assert.Equal(1, _ledger.Prune());
        Assert.Equal(0, _ledger.Prune());
    }

    [Fact]
    public async Task ParallelBurst_NeverAdmitsMoreThanFits()
    {
        var team = Team(Budget(10 * 1000));
        var developer = Guid.NewGuid();

        var admissions = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => _ledger.Admit(team, developer, 1000, 0))));

        Assert.Equal(10, admissions.Count(a => a.Refusal is null));
    }

    /// <summary>The ledger reads the store only when seeding, which these tests do not do.</summary>
    private sealed class NoStore : IDbContextFactory<Data.AppDbContext>
    {
        public Data.AppDbContext CreateDbContext() => throw new InvalidOperationException("No store in this test.");
    }
}
