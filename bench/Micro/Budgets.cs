using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Profiles;
using BenchmarkDotNet.Attributes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRouter.Bench;

/// <summary>Step 4: admit one request against a team pool and a per-developer window (as bench/run.sh configures),
/// then settle it with what was used; single-threaded, and four threads on one team at once.</summary>
[MemoryDiagnoser]
public class BudgetAdmission
{
    private BudgetLedger _ledger = null!;
    private TeamPolicy _team = null!;
    private readonly Guid _developer = Guid.NewGuid();

    [GlobalSetup]
    public void Setup()
    {
        _ledger = new BudgetLedger(TimeProvider.System, Options.Create(new InvoiceOptions()), new NoStore(), NullLogger<BudgetLedger>.Instance);
        _team = new TeamPolicy(Guid.NewGuid(), "bench", BillingMode.Central, [], budgets:
        [
            new BudgetPolicy(Guid.NewGuid(), BudgetScope.Team, 10_000_000_000_000, null, BudgetCadence.Monthly, BudgetMode.Block),
            new BudgetPolicy(Guid.NewGuid(), BudgetScope.Developer, 10_000_000_000_000, 1_000_000m, BudgetCadence.Daily, BudgetMode.Block),
        ]);
    }

    [Benchmark]
    public long AdmitAndSettle()
    {
        var admission = _ledger.Admit(_team, _developer, 1_024 + 30, 0.0155m);
        _ledger.Settle(admission, 612, 0.0087m);
        return admission.RemainingTokens ?? 0;
    }

    /// <summary>Four threads admitting and settling 1,000 requests each against the same two windows.</summary>
    [Benchmark(OperationsPerInvoke = 4_000)]
    public void AdmitAndSettle4Threads() => Parallel.For(0, 4, _ =>
    {
        for (var i = 0; i < 1_000; i++)
            _ledger.Settle(_ledger.Admit(_team, _developer, 1_054, 0.0155m), 612, 0.0087m);
    });

    private sealed class NoStore : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => throw new InvalidOperationException("No store in the benchmark.");
    }
}
