using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Budgets;

/// <summary>Budget spend per window: admit (reserve an estimate or refuse) and settle (replace the estimate with what
/// was used). <see cref="BudgetLedger"/> keeps it in this process (one replica); <see cref="RedisBudgetLedger"/> keeps
/// it in Redis so every replica enforces one budget.</summary>
public interface IBudgetLedger
{
    /// <summary>The organisation's time zone, in which windows start and reset.</summary>
    TimeZoneInfo Zone { get; }

    /// <summary>Tries to admit a request; on success the estimate is reserved and must be settled once.</summary>
    ValueTask<Admission> AdmitAsync(TeamPolicy team, Guid scopeDeveloper, long estimatedTokens, decimal estimatedUsd);

    /// <summary>Replaces the reservation with what was really used. Call once per admission; never throws.</summary>
    ValueTask SettleAsync(Admission admission, long tokens, decimal usd);

    /// <summary>What a scope has spent in the current window of a budget (for the console).</summary>
    (long Tokens, decimal Usd, BudgetWindow Window) Current(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper);

    /// <summary>Forgets windows that have ended (their spend is in the store); returns how many. Idempotent.</summary>
    int Prune();

    /// <summary>Loads, from the store, the spend of current windows not known yet (at start and when budgets appear).</summary>
    Task SeedAsync(PolicySnapshot snapshot, CancellationToken cancellationToken);
}
