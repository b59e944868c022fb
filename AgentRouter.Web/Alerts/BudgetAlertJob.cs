using AgentRouter.Web.Budgets;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Alerts;

/// <summary>Finds budget thresholds crossed since the last run and fires each once per window: a console notification
/// and one delivery per enabled channel of the team. It reads the ledger's live spend the way the console does
/// (<see cref="BudgetLedger.Current"/>), so the gateway's hot path pays nothing for alerts.</summary>
public sealed class BudgetAlertJob(
    IDbContextFactory<AppDbContext> factory, PolicyCache policy, BudgetLedger ledger, ConsoleNotifications notifications,
    IBackgroundJobClient jobs, IOptions<AlertOptions> options, TimeProvider clock, ILogger<BudgetAlertJob> logger)
{
    /// <summary>Returns how many thresholds fired.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var snapshot = policy.Current;
        var now = clock.GetUtcNow();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var budgets = await (from b in db.Budgets.AsNoTracking()
                             join p in db.Profiles.AsNoTracking() on b.ProfileId equals p.Id
                             where b.AlertAt != null
                             select new { b.Id, p.TeamId, b.AlertAt }).ToListAsync(cancellationToken);
        budgets = budgets.Where(b => b.AlertAt is { Count: > 0 } && snapshot.Teams.ContainsKey(b.TeamId)).ToList();
        if (budgets.Count == 0)
            return 0;

        var fired = 0;
        var delivered = false;
        foreach (var teamBudgets in budgets.GroupBy(b => b.TeamId))
        {
            var team = snapshot.Teams[teamBudgets.Key];
            var info = await db.Teams.AsNoTracking().Where(t => t.Id == team.TeamId).Select(t => new AlertTeam(t.Id, t.Slug, t.Name)).FirstAsync(cancellationToken);
            var channels = await db.AlertChannels.AsNoTracking().Where(c => c.TeamId == team.TeamId && c.Enabled).Select(c => c.Id).ToListAsync(cancellationToken);
            List<(Guid Id, string Name)>? members = null;
            foreach (var row in teamBudgets)
            {
                // The snapshot lags the store by one rebuild; a budget it does not know yet is evaluated on the next run.
                if (team.Budgets.FirstOrDefault(b => b.Id == row.Id) is not { } budget)
                    continue;
                IEnumerable<(Guid Id, string Name)> scopes = budget.Scope == BudgetScope.Team
                    ? [(team.TeamId, "Team pool")]
                    : members ??= await MembersAsync(db, team.TeamId, cancellationToken);
                foreach (var (scopeId, who) in scopes)
                {
                    var (tokens, usd, window) = ledger.Current(team, budget, scopeId);
                    var percent = new BudgetUse(budget, who, tokens, usd, window.End).Fraction * 100;
                    var crossed = row.AlertAt!.Where(t => percent >= t).ToList();
                    if (crossed.Count == 0)
                        continue;
                    var already = await db.AlertFirings.AsNoTracking()
                        .Where(f => f.TeamId == team.TeamId && f.Scope == budget.Scope && f.ScopeId == scopeId && f.Cadence == budget.Cadence && f.WindowStart == window.Start)
                        .Select(f => f.Threshold).ToListAsync(cancellationToken);
                    var fresh = crossed.Except(already).ToList();
                    if (fresh.Count == 0)
                        continue;

                    var message = new BudgetAlertMessage(BudgetAlertMessage.ThresholdCrossed, false, now, info,
                        new AlertBudget(Wire(budget.Scope), Wire(budget.Cadence), Wire(budget.Mode), budget.Tokens, budget.Usd, row.AlertAt!),
                        who, fresh.Max(), tokens, usd, Math.Round(percent, 1), window.Start, window.End, Link(info.Id));
                    if (await FireAsync(team.TeamId, budget, scopeId, window, fresh, message, channels, cancellationToken))
                    {
                        fired += fresh.Count;
                        delivered |= channels.Count > 0;
                    }
                }
            }
        }
        if (fired > 0)
            notifications.Publish();
        if (delivered)
            jobs.Enqueue<AlertDeliveryJob>(job => job.RunAsync(CancellationToken.None));
        return fired;
    }

    /// <summary>Records the firings, the notification and the deliveries in one transaction. Several thresholds crossed
    /// at once (a big request, or a new budget) send one message, naming the highest.</summary>
    private async Task<bool> FireAsync(Guid teamId, BudgetPolicy budget, Guid scopeId, BudgetWindow window, List<int> thresholds,
        BudgetAlertMessage message, List<Guid> channels, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        db.AlertFirings.AddRange(thresholds.Select(t => new AlertFiring
        {
            TeamId = teamId, Scope = budget.Scope, ScopeId = scopeId, Cadence = budget.Cadence, WindowStart = window.Start, Threshold = t, FiredAt = message.At,
        }));
        var summary = message.Summary();
        db.Notifications.Add(new ConsoleNotification { TeamId = teamId, At = message.At, Title = $"{message.Team.Name}: {message.Threshold} % of a budget", Message = summary, Link = $"/teams/{teamId}" });
        var payload = message.ToJson();
        db.AlertDeliveries.AddRange(channels.Select(c => new AlertDelivery
        {
            TeamId = teamId, ChannelId = c, Payload = payload, Summary = summary, Status = AlertDeliveryStatus.Pending, CreatedAt = message.At, NextAttemptAt = message.At,
        }));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Budget alert: {Summary}", summary);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another replica's run recorded the same firing first: it owns the notification.
            logger.LogDebug("Budget alert already fired elsewhere: {Summary}", summary);
            return false;
        }
    }

    /// <summary>Who a per-developer budget applies to: the developers, and the team's service keys (each its own scope).</summary>
    private static async Task<List<(Guid Id, string Name)>> MembersAsync(AppDbContext db, Guid teamId, CancellationToken cancellationToken)
    {
        var developers = await db.Developers.AsNoTracking().Where(d => d.TeamId == teamId).Select(d => new { d.Id, d.Name }).ToListAsync(cancellationToken);
        var services = await db.ApiKeys.AsNoTracking().Where(k => k.TeamId == teamId && k.DeveloperId == null && k.RevokedAt == null)
            .Select(k => new { k.Id, Name = k.ServiceAgent ?? k.Name }).ToListAsync(cancellationToken);
        return [.. developers.Select(d => (d.Id, d.Name)), .. services.Select(s => (s.Id, s.Name))];
    }

    private string? Link(Guid teamId) => options.Value.ConsoleUrl is { } url ? $"{url.TrimEnd('/')}/teams/{teamId}" : null;

    private static string Wire<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
