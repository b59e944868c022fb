using System.Text.Json;
using System.Collections.Frozen;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.RateLimits;

namespace AgentRouter.Web.Gateway;

/// <summary>Everything the gateway needs to decide a request, built from the store and never mutated:
/// readers take the current instance without locks, a change swaps in a new one.</summary>
public sealed class PolicySnapshot
{
    public static readonly PolicySnapshot Empty = new([], []);

    private readonly FrozenDictionary<string, KeyGrant> _keysByHash;
    private readonly FrozenDictionary<string, KeyGrant>.AlternateLookup<ReadOnlySpan<char>> _keysBySpan;

    public PolicySnapshot(IEnumerable<KeyGrant> keys, IEnumerable<TeamPolicy> teams, IEnumerable<McpUpstream>? mcpServers = null)
    {
        _keysByHash = keys.ToFrozenDictionary(k => k.Hash, StringComparer.Ordinal);
        _keysBySpan = _keysByHash.GetAlternateLookup<ReadOnlySpan<char>>();
        Teams = teams.ToFrozenDictionary(t => t.TeamId);
        McpServers = (mcpServers ?? []).ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public FrozenDictionary<Guid, TeamPolicy> Teams { get; }

    /// <summary>Every registered MCP server by name, granted to anyone or not (so "unknown" and "not granted" differ).</summary>
    public FrozenDictionary<string, McpUpstream> McpServers { get; }

    /// <summary>Finds a live (not revoked) key by the lower-case hex SHA-256 of its text.</summary>
    public KeyGrant? FindKey(ReadOnlySpan<char> hash) => _keysBySpan.TryGetValue(hash, out var grant) ? grant : null;
}

/// <summary>A live Agent Router key and whom it speaks for.</summary>
public sealed record KeyGrant(Guid KeyId, string Hash, TeamPolicy Team, Guid? DeveloperId, string? ServiceAgent, DateTimeOffset? ExpiresAt);

/// <summary>A team's access profile, resolved: public model names to routes, budgets, granted MCP servers by name.</summary>
public sealed class TeamPolicy(Guid teamId, string slug, BillingMode billing, IReadOnlyList<ModelRoute> models,
    IEnumerable<McpServerGrant>? mcpServers = null, IReadOnlyList<BudgetPolicy>? budgets = null, bool passthroughCountsAgainstBudget = false,
    IReadOnlyList<RateLimitPolicy>? limits = null)
{
    private readonly FrozenDictionary<string, ModelRoute> _byName = models.ToFrozenDictionary(m => m.PublicName, StringComparer.Ordinal);

    // Several public names may pin the same upstream id; any of them serves a request naming that id.
    private readonly FrozenDictionary<string, ModelRoute> _byUpstream = models
        .GroupBy(m => m.UpstreamModel, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    public Guid TeamId { get; } = teamId;
    public string Slug { get; } = slug;
    public BillingMode Billing { get; } = billing;
    public IReadOnlyList<ModelRoute> Models { get; } = models;
    public IReadOnlyList<BudgetPolicy> Budgets { get; } = budgets ?? [];
    public bool PassthroughCountsAgainstBudget { get; } = passthroughCountsAgainstBudget;

    /// <summary>Rate limits per key, developer or team; empty when none.</summary>
    public IReadOnlyList<RateLimitPolicy> Limits { get; } = limits ?? [];

    /// <summary>The MCP servers the profile grants, by server name; absent means denied.</summary>
    public FrozenDictionary<string, McpServerGrant> McpServers { get; } =
        (mcpServers ?? []).ToFrozenDictionary(g => g.Server.Name, StringComparer.Ordinal);

    /// <summary>Resolves what a client asked for: a public name, or the exact upstream id an entry pins
    /// (clients such as Claude Code send dated ids).</summary>
    public ModelRoute? Resolve(string requested)
    {
        return _byName.TryGetValue(requested, out var route) || _byUpstream.TryGetValue(requested, out route) ? route : null;
    }
}

/// <summary>Where a public model name goes: an account and the pinned upstream id, with its catalog price sheets and limits.</summary>
public sealed record ModelRoute(string PublicName, string UpstreamModel, UpstreamAccount Account, PriceHistory? Price, ModelLimits? Limits = null);

/// <summary>What the catalog says the model can take and produce, when it says.</summary>
public sealed record ModelLimits(int? ContextWindow, int? MaxOutputTokens);

/// <summary>A provider account as the gateway uses it: immutable, rebuilt when the account changes. Holds the decrypted
/// credential, so it never prints it.</summary>
public sealed class UpstreamAccount
{
    public UpstreamAccount(Guid id, string name, IProviderAdapter adapter, string baseUrl, string? credential, string? settings = null)
    {
        Id = id;
        Name = name;
        Adapter = adapter;
        BaseUrl = baseUrl.TrimEnd('/');
        Credential = credential;
        Settings = string.IsNullOrEmpty(settings) ? null : JsonDocument.Parse(settings).RootElement.Clone();
        State = adapter.Bind(this);
    }

    public Guid Id { get; }
    public string Name { get; }

    /// <summary>Everything kind-specific about the account: how to reach, authenticate and decode it.</summary>
    public IProviderAdapter Adapter { get; }

    /// <summary>The API root without a trailing slash.</summary>
    public string BaseUrl { get; }

    /// <summary>The decrypted secret: an API key, or the kind's own JSON (a service-account key, AWS keys).</summary>
    internal string? Credential { get; }

    /// <summary>The kind's non-secret settings (a JSON object), when it has any.</summary>
    public JsonElement? Settings { get; }

    /// <summary>What the adapter built for this account when the snapshot loaded (<see cref="IProviderAdapter.Bind"/>).</summary>
    public object? State { get; }

    public override string ToString() => $"{Name} ({Adapter.Name})";
}
