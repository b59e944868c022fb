using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Console;

public sealed record UsageTotals(long Requests, long Tokens, decimal CostUsd, long Errors)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;
}

public sealed record TeamUsage(Guid TeamId, string Team, long Requests, long Tokens, decimal CostUsd);

public sealed record DailyUsage(DateOnly Day, long Tokens, decimal CostUsd);

public sealed record OverviewStats(UsageTotals Today, UsageTotals Month, IReadOnlyList<TeamUsage> TopTeams, IReadOnlyList<DailyUsage> Daily);

/// <summary>Paging, sorting and a search text, as the console's grids ask for them.</summary>
public sealed record GridQuery(int Page, int PageSize, string? Search = null, string? SortBy = null, bool Descending = false);

public sealed record GridPage<T>(IReadOnlyList<T> Items, int Total);

public sealed record TeamRow(Guid Id, string Name, string Slug, int Models, int Developers, int ActiveKeys, DateTimeOffset CreatedAt);

public sealed record DeveloperRow(Guid Id, string Name, string Email, Guid TeamId, string Team, int ActiveKeys, DateTimeOffset CreatedAt);

public sealed record KeyRow(Guid Id, string Prefix, string Name, Guid TeamId, string Team, Guid? DeveloperId, string Owner, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);

public sealed record ToolCallRow(DateTimeOffset At, string Agent, string Server, string Tool, string Outcome, int LatencyMs);

public sealed record ProfileChange(DateTimeOffset At, string Actor, string Summary);

public sealed record AuditRow(long Id, DateTimeOffset At, string Actor, string Action, string EntityType, string Entity, IReadOnlyList<FieldChange> Changes);

public sealed record UsageRow(DateTimeOffset At, string Agent, string? Model, int Status, long Tokens, decimal CostUsd, int LatencyMs, string? Error);

/// <summary>Read models for the console pages. Usage totals come from the daily roll-ups; the recent-requests lists read
/// the newest records through their indexes.</summary>
public sealed class ConsoleQueries(IDbContextFactory<AppDbContext> factory, TimeProvider clock, Billing.BillingCalendar calendar)
{
    /// <summary>Today, this month (local days in <c>Billing:TimeZone</c>), the month's top teams and the last 14 days,
    /// read from the roll-ups only: the month from the monthly level (one row per attribution key), the days from the
    /// daily level, however many requests they held. The figures are as fresh as the last roll-up run (every minute).</summary>
    public async Task<OverviewStats> OverviewAsync(CancellationToken cancellationToken)
    {
        var today = calendar.DayOf(clock.GetUtcNow());
        var month = new DateOnly(today.Year, today.Month, 1);
        var fortnight = today.AddDays(-13);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var byDay = await db.DailyUsageRollups.AsNoTracking().Where(r => r.Day >= fortnight && r.Day <= today).GroupBy(r => r.Day)
            .Select(g => new
            {
                Day = g.Key, Requests = g.Sum(r => r.Requests), Errors = g.Sum(r => r.Errors), Cost = g.Sum(r => r.CostUsd),
                Tokens = g.Sum(r => r.InputTokens + r.OutputTokens + r.CacheWriteTokens + r.CacheReadTokens),
            })
            .ToDictionaryAsync(d => d.Day, cancellationToken);
        // Summed per team by the database: the month's totals and top teams need no more than a row per team.
        var teamTotals = await Billing.RollupPeriods.SumByTeamAsync(db, new Billing.AttributionFilter(month, today), today, calendar.Zone, cancellationToken);
        var top = teamTotals.OrderByDescending(t => t.CostUsd).ThenByDescending(t => t.Tokens).Take(5).ToList();
        var topIds = top.Select(t => t.TeamId).ToList();
        var teams = await db.Teams.AsNoTracking().Where(t => topIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);

        var todayTotals = byDay.TryGetValue(today, out var t) ? new UsageTotals(t.Requests, t.Tokens, t.Cost, t.Errors) : new UsageTotals(0, 0, 0, 0);
        var monthTotals = new UsageTotals(teamTotals.Sum(t => t.Requests), teamTotals.Sum(t => t.Tokens), teamTotals.Sum(t => t.CostUsd), teamTotals.Sum(t => t.Errors));

        var topTeams = top.Select(t => new TeamUsage(t.TeamId, teams.GetValueOrDefault(t.TeamId, "(deleted team)"), t.Requests, t.Tokens, t.CostUsd)).ToList();
        var daily = Enumerable.Range(0, 14).Select(i => fortnight.AddDays(i))
            .Select(day => byDay.TryGetValue(day, out var d) ? new DailyUsage(day, d.Tokens, d.Cost) : new DailyUsage(day, 0, 0)).ToList();
        return new OverviewStats(todayTotals, monthTotals, topTeams, daily);
    }

    public async Task<GridPage<TeamRow>> TeamsAsync(GridQuery query, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var teams = db.Teams.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
            teams = teams.Where(t => t.Name.Contains(query.Search) || t.Slug.Contains(query.Search));
        // Sort on the entity, then project: EF cannot order by members of a constructed record.
        var sorted = query.SortBy switch
        {
            nameof(TeamRow.Slug) => query.Descending ? teams.OrderByDescending(t => t.Slug) : teams.OrderBy(t => t.Slug),
            nameof(TeamRow.CreatedAt) => query.Descending ? teams.OrderByDescending(t => t.CreatedAt) : teams.OrderBy(t => t.CreatedAt),
            _ => query.Descending ? teams.OrderByDescending(t => t.Name) : teams.OrderBy(t => t.Name),
        };
        var rows = sorted.Skip(query.Page * query.PageSize).Take(query.PageSize).Select(t => new TeamRow(t.Id, t.Name, t.Slug, t.Profile.Models.Count, t.Developers.Count,
            db.ApiKeys.Count(k => k.TeamId == t.Id && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)), t.CreatedAt));
        return new(await rows.ToListAsync(cancellationToken), await teams.CountAsync(cancellationToken));
    }

    public async Task<GridPage<DeveloperRow>> DevelopersAsync(GridQuery query, Guid? teamId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var developers = db.Developers.AsNoTracking().Where(d => teamId == null || d.TeamId == teamId);
        if (!string.IsNullOrWhiteSpace(query.Search))
            developers = developers.Where(d => d.Name.Contains(query.Search) || d.Email.Contains(query.Search));
        var sorted = query.SortBy switch
        {
            nameof(DeveloperRow.Email) => query.Descending ? developers.OrderByDescending(d => d.Email) : developers.OrderBy(d => d.Email),
            nameof(DeveloperRow.Team) => query.Descending
                ? developers.OrderByDescending(d => db.Teams.Where(t => t.Id == d.TeamId).Select(t => t.Name).First())
                : developers.OrderBy(d => db.Teams.Where(t => t.Id == d.TeamId).Select(t => t.Name).First()),
            _ => query.Descending ? developers.OrderByDescending(d => d.Name) : developers.OrderBy(d => d.Name),
        };
        var rows = sorted.Skip(query.Page * query.PageSize).Take(query.PageSize).Select(d => new DeveloperRow(d.Id, d.Name, d.Email, d.TeamId,
            db.Teams.Where(t => t.Id == d.TeamId).Select(t => t.Name).First(),
            db.ApiKeys.Count(k => k.DeveloperId == d.Id && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now)), d.CreatedAt));
        return new(await rows.ToListAsync(cancellationToken), await developers.CountAsync(cancellationToken));
    }

    public async Task<GridPage<KeyRow>> KeysAsync(GridQuery query, Guid? teamId, Guid? developerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var keys = db.ApiKeys.AsNoTracking().Where(k => (teamId == null || k.TeamId == teamId) && (developerId == null || k.DeveloperId == developerId));
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            // Owner (name or email) and team (name or slug) too: "whose keys are these?" is the usual question.
            var search = query.Search.ToLower();
            keys = keys.Where(k => k.Name.ToLower().Contains(search) || k.Prefix.ToLower().Contains(search) || (k.ServiceAgent != null && k.ServiceAgent.Contains(search))
                || db.Developers.Any(d => d.Id == k.DeveloperId && (d.Name.ToLower().Contains(search) || d.Email.Contains(search)))
                || db.Teams.Any(t => t.Id == k.TeamId && (t.Name.ToLower().Contains(search) || t.Slug.Contains(search))));
        }
        var sorted = query.SortBy switch
        {
            nameof(KeyRow.Name) => query.Descending ? keys.OrderByDescending(k => k.Name) : keys.OrderBy(k => k.Name),
            nameof(KeyRow.LastUsedAt) => query.Descending ? keys.OrderByDescending(k => k.LastUsedAt) : keys.OrderBy(k => k.LastUsedAt),
            nameof(KeyRow.Status) => query.Descending ? keys.OrderByDescending(k => k.RevokedAt) : keys.OrderBy(k => k.RevokedAt),
            _ => query.Descending || query.SortBy is null ? keys.OrderByDescending(k => k.CreatedAt) : keys.OrderBy(k => k.CreatedAt),
        };
        var rows = sorted.Skip(query.Page * query.PageSize).Take(query.PageSize).Select(k => new KeyRow(k.Id, k.Prefix, k.Name, k.TeamId,
            db.Teams.Where(t => t.Id == k.TeamId).Select(t => t.Slug).First(), k.DeveloperId,
            k.DeveloperId == null ? "agent: " + k.ServiceAgent : db.Developers.Where(d => d.Id == k.DeveloperId).Select(d => d.Name).First(),
            k.RevokedAt != null ? "revoked" : k.ExpiresAt != null && k.ExpiresAt <= now ? "expired" : "active", k.CreatedAt, k.ExpiresAt, k.LastUsedAt));
        return new(await rows.ToListAsync(cancellationToken), await keys.CountAsync(cancellationToken));
    }

    /// <summary>Audit events, newest first, as field-level differences with ids shown as names. The search matches the actor,
    /// the action, the entity type, and the name of a team, developer, provider, MCP server or key: an event matches a name when
    /// it concerns that entity or mentions its id (a developer's or key's team, a grant's server).</summary>
    public async Task<GridPage<AuditRow>> AuditAsync(GridQuery query, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var names = await EntityNamesAsync(db, cancellationToken);
        var events = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim().ToLower();
            var ids = names.Where(n => n.Value.Contains(search, StringComparison.OrdinalIgnoreCase)).Select(n => n.Key).Take(20).ToList();
            Expression<Func<AuditEvent, bool>> matches = a => a.Actor.ToLower().Contains(search) || a.Action.ToLower().Contains(search)
                || a.EntityType.ToLower().Contains(search) || a.EntityId.ToLower().Contains(search) || ids.Contains(a.EntityId);
            foreach (var id in ids)
                matches = Or(matches, a => (a.Before != null && a.Before.Contains(id)) || (a.After != null && a.After.Contains(id)));
            events = events.Where(matches);
        }
        var ordered = query.Descending || query.SortBy is null ? events.OrderByDescending(a => a.Id) : events.OrderBy(a => a.Id);
        var page = await ordered.Skip(query.Page * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        var rows = page.Select(a => new AuditRow(a.Id, a.At, a.Actor, a.Action, a.EntityType, names.GetValueOrDefault(a.EntityId) ?? a.EntityId,
            AuditDiff.Compare(a.Before, a.After, names.GetValueOrDefault))).ToList();
        return new(rows, await events.CountAsync(cancellationToken));
    }

    /// <summary>Id (as audit JSON writes it) → a readable name, for the entities an audit event can mention.</summary>
    private static async Task<Dictionary<string, string>> EntityNamesAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Name }).ToListAsync(cancellationToken))
            names[t.Id.ToString()] = t.Name;
        foreach (var d in await db.Developers.AsNoTracking().Select(d => new { d.Id, d.Name }).ToListAsync(cancellationToken))
            names[d.Id.ToString()] = d.Name;
        foreach (var p in await db.ProviderAccounts.AsNoTracking().Select(p => new { p.Id, p.Name }).ToListAsync(cancellationToken))
            names[p.Id.ToString()] = p.Name;
        foreach (var m in await db.McpServers.AsNoTracking().Select(m => new { m.Id, m.Name }).ToListAsync(cancellationToken))
            names[m.Id.ToString()] = m.Name;
        foreach (var k in await db.ApiKeys.AsNoTracking().Select(k => new { k.Id, k.Prefix, k.Name }).ToListAsync(cancellationToken))
            names[k.Id.ToString()] = $"{k.Prefix} ({k.Name})";
        foreach (var u in await db.Users.AsNoTracking().Select(u => new { u.Id, u.Email }).ToListAsync(cancellationToken))
            names[u.Id] = u.Email ?? u.Id;
        return names;
    }

    private static Expression<Func<T, bool>> Or<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right)
    {
        var body = new Rebind(right.Parameters[0], left.Parameters[0]).Visit(right.Body);
        return Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, body), left.Parameters);
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }

    public async Task<List<UsageRow>> RecentUsageAsync(Guid? teamId, Guid? developerId, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Usage.AsNoTracking().Where(u => (teamId == null || u.TeamId == teamId) && (developerId == null || u.DeveloperId == developerId))
            .OrderByDescending(u => u.Id).Take(take)
            .Select(u => new UsageRow(u.At, u.Agent, u.RequestedModel, u.Status, u.InputTokens + u.OutputTokens + u.CacheWriteTokens + u.CacheReadTokens, u.CostUsd, u.LatencyMs, u.Error))
            .ToListAsync(cancellationToken);
    }

    public async Task<List<ToolCallRow>> RecentToolCallsAsync(Guid developerId, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.McpCalls.AsNoTracking().Where(c => c.DeveloperId == developerId).OrderByDescending(c => c.Id).Take(take)
            .Select(c => new ToolCallRow(c.At, c.Agent, c.Server, c.Tool, c.Outcome, c.LatencyMs)).ToListAsync(cancellationToken);
    }

    /// <summary>The developer a console user is, by link or by email.</summary>
    public async Task<Teams.Developer?> DeveloperForUserAsync(string userId, string? email, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Developers.AsNoTracking().FirstOrDefaultAsync(d => d.UserId == userId || (email != null && d.Email == email), cancellationToken);
    }

    /// <summary>The profiles (by team name) that route to each provider account.</summary>
    public async Task<Dictionary<Guid, List<string>>> ProviderUsersAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await (from m in db.ModelEntries join p in db.Profiles on m.ProfileId equals p.Id join t in db.Teams on p.TeamId equals t.Id
                          select new { m.ProviderAccountId, t.Name }).Distinct().ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.ProviderAccountId).ToDictionary(g => g.Key, g => g.Select(r => r.Name).Order().ToList());
    }

    /// <summary>A team's profile changes from the audit log, summarised as pins added, moved and removed.</summary>
    public async Task<List<ProfileChange>> ProfileHistoryAsync(Guid teamId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var events = await db.AuditEvents.AsNoTracking().Where(a => a.EntityType == "Team" && a.EntityId == teamId.ToString() && a.Action == "profile.updated")
            .OrderByDescending(a => a.Id).Take(50).ToListAsync(cancellationToken);
        return events.Select(e => new ProfileChange(e.At, e.Actor, Describe(e.Before, e.After))).ToList();
    }

    /// <summary>Pin changes, then the other sections the edit touched by name ("budgets changed"), never "no pin changes"
    /// for an edit that changed something else.</summary>
    internal static string Describe(string? before, string? after)
    {
        var parts = new List<string>();
        var pins = DescribePins(Pins(before), Pins(after));
        if (pins.Length > 0)
            parts.Add(pins);
        var changed = AuditDiff.Compare(before, after).Select(c => c.Field.Split('.', '[')[0]).Distinct().ToList();
        foreach (var (section, label) in new[] { ("budgets", "budgets changed"), ("mcpServers", "MCP grants changed"), ("billing", "billing changed"), ("limits", "rate limits changed") })
            if (changed.Contains(section))
                parts.Add(label);
        if (pins.Length == 0 && changed.Contains("models"))
            parts.Add("model providers changed");
        return parts.Count == 0 ? "saved without changes" : string.Join("; ", parts);
    }

    private static Dictionary<string, string> Pins(string? json)
    {
        var pins = new Dictionary<string, string>();
        if (json is null)
            return pins;
        using var document = System.Text.Json.JsonDocument.Parse(json);
        if (document.RootElement.TryGetProperty("models", out var models) && models.ValueKind == System.Text.Json.JsonValueKind.Array)
            foreach (var model in models.EnumerateArray())
                pins[model.GetProperty("name").GetString() ?? ""] = model.GetProperty("upstreamModel").GetString() ?? "";
        return pins;
    }

    internal static string DescribePins(Dictionary<string, string> before, Dictionary<string, string> after)
    {
        var parts = new List<string>();
        parts.AddRange(after.Where(a => !before.ContainsKey(a.Key)).Select(a => $"approved {a.Key} → {a.Value}"));
        parts.AddRange(after.Where(a => before.TryGetValue(a.Key, out var old) && old != a.Value).Select(a => $"{a.Key}: {before[a.Key]} → {a.Value}"));
        parts.AddRange(before.Where(b => !after.ContainsKey(b.Key)).Select(b => $"removed {b.Key}"));
        return string.Join("; ", parts);
    }
}
