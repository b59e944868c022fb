using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using AgentRouter.Web.Mcp;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Profiles;

/// <summary>The profile as the admin API reads and writes it; later additions (budgets, billing) extend it.
/// A PUT replaces the whole profile: an omitted list is empty.</summary>
public sealed record ProfileDocument(List<ProfileModel>? Models, List<ProfileMcpServer>? McpServers = null);

/// <summary>A granted MCP server; <paramref name="Tools"/> null grants every tool, a list only those.</summary>
public sealed record ProfileMcpServer(Guid? ServerId, List<string>? Tools);

/// <summary>A public model name, the account that serves it and the upstream id it is pinned to.</summary>
public sealed record ProfileModel(string? Name, Guid? ProviderId, string? UpstreamModel);

/// <summary>Reads and replaces a team's access profile. One edit applies to every developer of the team on their next request.</summary>
public sealed class ProfileService(IDbContextFactory<AppDbContext> factory)
{
    public async Task<AdminResult<ProfileDocument>> GetAsync(Guid teamId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var profile = await db.Profiles.AsNoTracking().Include(p => p.Models).Include(p => p.McpGrants).AsSplitQuery().FirstOrDefaultAsync(p => p.TeamId == teamId, cancellationToken);
        return profile is null ? AdminResult<ProfileDocument>.NotFound($"No team {teamId}.") : Document(profile);
    }

    public async Task<AdminResult<ProfileDocument>> PutAsync(Guid teamId, ProfileDocument document, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var profile = await db.Profiles.Include(p => p.Models).Include(p => p.McpGrants).AsSplitQuery().FirstOrDefaultAsync(p => p.TeamId == teamId, cancellationToken);
        if (profile is null)
            return AdminResult<ProfileDocument>.NotFound($"No team {teamId}.");

        var problems = new Problems();
        var models = document.Models ?? [];
        var accounts = await db.ProviderAccounts.AsNoTracking().Select(a => a.Id).ToListAsync(cancellationToken);
        var catalog = await db.Catalog.AsNoTracking().Select(c => c.Model).ToListAsync(cancellationToken);
        for (var i = 0; i < models.Count; i++)
        {
            var (name, providerId, upstream) = (models[i].Name?.Trim(), models[i].ProviderId, models[i].UpstreamModel?.Trim());
            var at = $"models[{i}]";
            problems.Require(!string.IsNullOrEmpty(name) && name.Length <= 200, $"{at}.name", "The public model name is required (at most 200 characters).");
            problems.Require(providerId is { } id && accounts.Contains(id), $"{at}.providerId", "An existing provider account is required.");
            if (string.IsNullOrEmpty(upstream))
                problems.Add($"{at}.upstreamModel", "The pinned upstream model id is required.");
            else if (!catalog.Contains(upstream))
                problems.Add($"{at}.upstreamModel", $"'{upstream}' is not in the model catalog; add it (with its prices) first: PUT /api/admin/catalog/{upstream}.");
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
        db.ModelEntries.RemoveRange(profile.Models);
        profile.Models = models.Select(m => new ModelEntry { PublicName = m.Name!.Trim(), ProviderAccountId = m.ProviderId!.Value, UpstreamModel = m.UpstreamModel!.Trim() }).ToList();
        db.McpGrants.RemoveRange(profile.McpGrants);
        profile.McpGrants = mcpServers.Select(m => new McpGrant { ServerId = m.ServerId!.Value, Tools = m.Tools?.ToList() }).ToList();
        profile.UpdatedAt = actor.At;
        var after = Document(profile);
        db.Audit(actor, "profile.updated", "Team", teamId, before, after);
        await db.SaveChangesAsync(cancellationToken);
        return after;
    }

    private static ProfileDocument Document(AccessProfile profile) =>
        new(profile.Models.OrderBy(m => m.PublicName, StringComparer.Ordinal).Select(m => new ProfileModel(m.PublicName, m.ProviderAccountId, m.UpstreamModel)).ToList(),
            profile.McpGrants.OrderBy(g => g.ServerId).Select(g => new ProfileMcpServer(g.ServerId, g.Tools?.ToList())).ToList());
}
