using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Data;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.RateLimits;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Profiles;

/// <summary>The profile as the admin API reads and writes it. On write, a section left out (null) stays as it is.</summary>
public sealed record ProfileDocument(List<ProfileModel>? Models, List<ProfileMcpServer>? McpServers = null, List<ProfileBudget>? Budgets = null, ProfileBilling? Billing = null,
    List<ProfileLimit>? Limits = null);

/// <summary>A granted MCP server; <paramref name="Tools"/> null grants every tool (and its resources and prompts), a list
/// only those tools, plus the server's resources and prompts only when <paramref name="Resources"/> / <paramref name="Prompts"/> say so.</summary>
public sealed record ProfileMcpServer(Guid? ServerId, List<string>? Tools, bool Resources = false, bool Prompts = false);

/// <summary>A budget: <c>scope</c> team|developer, <c>tokens</c> and/or <c>usd</c> per window, <c>cadence</c>
/// daily|weekly|monthly, <c>mode</c> block|warn, <c>alertAt</c> percentages of the limit that notify the team's alert channels.</summary>
public sealed record ProfileBudget(string? Scope, long? Tokens, decimal? Usd, string? Cadence, string? Mode, List<int>? AlertAt = null);

/// <summary><c>mode</c> central|passthrough-allowed|passthrough-required.</summary>
public sealed record ProfileBilling(string? Mode, bool? PassthroughCountsAgainstBudget);

/// <summary>A public model name, the account that serves it and the upstream id it is pinned to;
/// <c>targets</c>, when given, lists every account and pinned model that may serve the name, for failover and load balancing.</summary>
public sealed record ProfileModel(string? Name, Guid? ProviderId, string? UpstreamModel, List<Routing.ProfileTarget>? Targets = null);

/// <summary>Reads and replaces a team's access profile. One edit applies to every developer of the team on their next request.</summary>
public sealed class ProfileService(IDbContextFactory<AppDbContext> factory)
{
    public async Task<AdminResult<ProfileDocument>> GetAsync(Guid teamId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var profile = await db.Profiles.AsNoTracking().Include(p => p.Models).ThenInclude(m => m.Alternates).Include(p => p.McpGrants).Include(p => p.Budgets).Include(p => p.Limits).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.TeamId == teamId, cancellationToken);
        return profile is null ? AdminResult<ProfileDocument>.NotFound($"No team {teamId}.") : Document(profile);
    }

    public async Task<AdminResult<ProfileDocument>> PutAsync(Guid teamId, ProfileDocument document, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var profile = await db.Profiles.Include(p => p.Models).ThenInclude(m => m.Alternates).Include(p => p.McpGrants).Include(p => p.Budgets).Include(p => p.Limits).AsSplitQuery()
            .FirstOrDefaultAsync(p => p.TeamId == teamId, cancellationToken);
        if (profile is null)
            return AdminResult<ProfileDocument>.NotFound($"No team {teamId}.");

        var problems = new Problems();
        var models = document.Models ?? [];
        var budgets = ParseBudgets(document.Budgets ?? [], problems);
        var billing = ParseBilling(document.Billing, problems);
        var limits = RateLimitDocument.Parse(document.Limits ?? [], problems);
        var accounts = await db.ProviderAccounts.AsNoTracking().Select(a => a.Id).ToListAsync(cancellationToken);
        var catalog = await db.Catalog.AsNoTracking().Select(c => c.Model).ToListAsync(cancellationToken);
        for (var i = 0; i < models.Count; i++)
        {
            var name = models[i].Name?.Trim();
            var at = $"models[{i}]";
            problems.Require(!string.IsNullOrEmpty(name) && name.Length <= 200, $"{at}.name", "The public model name is required (at most 200 characters).");
            Routing.ProfileTargets.Validate(models[i], at, accounts, catalog, problems);
            if (name is not null && models.Take(i).Any(m => m.Name?.Trim() == name))
                problems.Add($"{at}.name", $"'{name}' is listed twice.");
        }
        var mcpServers = document.McpServers ?? [];
        var registered = await db.McpServers.AsNoTracking().Select(s => s.Id).ToListAsync(cancellationToken);
        for (var i = 0; i < mcpServers.Count; i++)
        {
            var (serverId, tools) = (mcpServers[i].ServerId, mcpServers[i].Tools);
            var at = $"mcpServers[{i}]";
            if (serverId is not { } id || !registered.Contains(id))
                problems.Add($"{at}.serverId", "An MCP server registered with POST /api/admin/mcp-servers is required.");
            else if (mcpServers.Take(i).Any(m => m.ServerId == id))
                problems.Add($"{at}.serverId", "This server is granted twice; list its tools in one grant.");
            if (tools is null)
                continue;
            problems.Require(tools.Count > 0, $"{at}.tools", "An empty tool list grants nothing; omit 'tools' to grant every tool of the server, or remove the grant.");
            for (var t = 0; t < tools.Count; t++)
            {
                if (string.IsNullOrWhiteSpace(tools[t]) || tools[t].Length > 200 || tools[t] != tools[t].Trim())
                    problems.Add($"{at}.tools[{t}]", "A tool name is required (exactly as the server names it, at most 200 characters).");
                else if (tools.Take(t).Contains(tools[t], StringComparer.Ordinal))
                    problems.Add($"{at}.tools[{t}]", $"'{tools[t]}' is listed twice.");
            }
        }
        if (problems.Any)
            return AdminResult<ProfileDocument>.Invalid(problems);

        var before = Document(profile);
        if (document.Models is not null)
        {
            db.ModelEntries.RemoveRange(profile.Models);
            profile.Models = models.Select(m => Routing.ProfileTargets.Entry(m.Name!.Trim(), m)).ToList();
        }
        if (document.McpServers is not null)
        {
            db.McpGrants.RemoveRange(profile.McpGrants);
            profile.McpGrants = mcpServers.Select(m => new McpGrant { ServerId = m.ServerId!.Value, Tools = m.Tools?.ToList(), Resources = m.Resources, Prompts = m.Prompts }).ToList();
        }
        if (document.Budgets is not null)
        {
            db.Budgets.RemoveRange(profile.Budgets);
            profile.Budgets = budgets;
        }
        if (document.Limits is not null)
        {
            db.RateLimits.RemoveRange(profile.Limits);
            profile.Limits = limits;
        }
        if (billing is { } b)
            (profile.BillingMode, profile.PassthroughCountsAgainstBudget) = b;
        profile.UpdatedAt = actor.At;
        var after = Document(profile);
        db.Audit(actor, "profile.updated", "Team", teamId, before, after);
        await db.SaveChangesAsync(cancellationToken);
        return after;
    }

    private static ProfileDocument Document(AccessProfile profile) => new(
        profile.Models.OrderBy(m => m.PublicName, StringComparer.Ordinal).Select(m => new ProfileModel(m.PublicName, m.ProviderAccountId, m.UpstreamModel, Routing.ProfileTargets.Of(m))).ToList(),
        profile.McpGrants.OrderBy(g => g.ServerId).Select(g => new ProfileMcpServer(g.ServerId, g.Tools?.ToList(), g.Resources, g.Prompts)).ToList(),
        profile.Budgets.OrderBy(b => b.Scope).ThenBy(b => b.Cadence)
            .Select(b => new ProfileBudget(Wire(b.Scope), b.Tokens, b.Usd, Wire(b.Cadence), Wire(b.Mode), b.AlertAt?.ToList())).ToList(),
        new ProfileBilling(BillingWire(profile.BillingMode), profile.PassthroughCountsAgainstBudget),
        RateLimitDocument.Of(profile.Limits));

    private static string Wire<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    public static string BillingWire(BillingMode mode) => mode switch
    {
        BillingMode.PassthroughAllowed => "passthrough-allowed",
        BillingMode.PassthroughRequired => "passthrough-required",
        _ => "central",
    };

    private static List<Budget> ParseBudgets(List<ProfileBudget> budgets, Problems problems)
    {
        var parsed = new List<Budget>();
        for (var i = 0; i < budgets.Count; i++)
        {
            var (b, at) = (budgets[i], $"budgets[{i}]");
            var scope = Parse<BudgetScope>(b.Scope, $"{at}.scope", "team or developer", problems);
            var cadence = Parse<BudgetCadence>(b.Cadence, $"{at}.cadence", "daily, weekly or monthly", problems);
            var mode = b.Mode is null ? BudgetMode.Block : Parse<BudgetMode>(b.Mode, $"{at}.mode", "block or warn", problems);
            problems.Require(b.Tokens is not null || b.Usd is not null, $"{at}.tokens", "A budget limits tokens, USD, or both.");
            problems.Require(b.Tokens is null or > 0, $"{at}.tokens", "Tokens must be positive.");
            problems.Require(b.Usd is null or > 0, $"{at}.usd", "USD must be positive.");
            var alertAt = Alerts.AlertThresholds.Parse(b.AlertAt, $"{at}.alertAt", problems);
            parsed.Add(new Budget { Scope = scope, Tokens = b.Tokens, Usd = b.Usd, Cadence = cadence, Mode = mode, AlertAt = alertAt });
        }
        return parsed;
    }

    private static (BillingMode, bool)? ParseBilling(ProfileBilling? billing, Problems problems)
    {
        if (billing is null)
            return null;
        BillingMode? mode = billing.Mode switch
        {
            "central" or null => BillingMode.Central,
            "passthrough-allowed" => BillingMode.PassthroughAllowed,
            "passthrough-required" => BillingMode.PassthroughRequired,
            _ => null,
        };
        problems.Require(mode is not null, "billing.mode", "Billing mode is central, passthrough-allowed or passthrough-required.");
        return (mode ?? BillingMode.Central, billing.PassthroughCountsAgainstBudget ?? false);
    }

    private static T Parse<T>(string? value, string field, string allowed, Problems problems) where T : struct, Enum
    {
        if (value is not null && Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
            return parsed;
        problems.Add(field, $"Must be {allowed}.");
        return default;
    }
}
