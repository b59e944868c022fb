using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Budgets;

/// <summary>How far a scope has gone into a budget's current window, for progress bars.</summary>
public sealed record BudgetUse(BudgetPolicy Budget, string Who, long Tokens, decimal Usd, DateTimeOffset ResetsAt)
{
    /// <summary>The larger of the token and USD fractions used, 0–1 (may pass 1 in warn mode).</summary>
    public double Fraction => Math.Max(
        Budget.Tokens is { } tokens ? (double)Tokens / tokens : 0,
        Budget.Usd is { } usd ? (double)(Usd / usd) : 0);
}

/// <summary>Reads the ledger's live spend for the console (no database round trip).</summary>
public sealed class BudgetStatus(PolicyCache policy, IBudgetLedger ledger)
{
    /// <summary>The team pool's use, and each listed developer's use of per-developer budgets.</summary>
    public List<BudgetUse> ForTeam(Guid teamId, IEnumerable<(Guid Id, string Name)> developers)
    {
        if (!policy.Current.Teams.TryGetValue(teamId, out var team))
            return [];
        var members = developers.ToList();
        return team.Budgets.SelectMany(budget => budget.Scope == BudgetScope.Team
                ? [Use(team, budget, teamId, "Team pool")]
                : members.Select(m => Use(team, budget, m.Id, m.Name)))
            .ToList();
    }

    /// <summary>Service keys (no developer) are held to per-developer budgets under their own key id.</summary>
    public List<BudgetUse> ForServiceKeys(Guid teamId, IEnumerable<(Guid KeyId, string Name)> keys)
    {
        if (!policy.Current.Teams.TryGetValue(teamId, out var team))
            return [];
        var list = keys.ToList();
        return team.Budgets.Where(b => b.Scope == BudgetScope.Developer).SelectMany(budget => list.Select(k => Use(team, budget, k.KeyId, k.Name))).ToList();
    }

    public List<BudgetUse> ForDeveloper(Guid teamId, Guid developerId)
    {
        if (!policy.Current.Teams.TryGetValue(teamId, out var team))
            return [];
        return team.Budgets.Select(b => Use(team, b, developerId, b.Scope == BudgetScope.Team ? "Team pool" : "You")).ToList();
    }

    private BudgetUse Use(TeamPolicy team, BudgetPolicy budget, Guid scope, string who)
    {
        var (tokens, usd, window) = ledger.Current(team, budget, scope);
        return new BudgetUse(budget, who, tokens, usd, window.End);
    }
}
