using AgentRouter.Web.Budgets;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.RateLimits;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Profiles;

/// <summary>The policy a team's developers are held to: which models (at which pinned versions),
/// which MCP servers, which budgets and which billing mode.</summary>
public sealed class AccessProfile
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public List<ModelEntry> Models { get; set; } = [];
    public List<Budget> Budgets { get; set; } = [];
    public List<McpGrant> McpGrants { get; set; } = [];
    public List<RateLimit> Limits { get; set; } = [];
    public BillingMode BillingMode { get; set; } = BillingMode.Central;
    public bool PassthroughCountsAgainstBudget { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>How a team's usage is paid for.</summary>
public enum BillingMode
{
    /// <summary>The organisation's provider credential is injected and the usage billed.</summary>
    Central,
    /// <summary>Developers may bring their own Claude subscription token; otherwise central.</summary>
    PassthroughAllowed,
    /// <summary>Developers must bring their own Claude subscription token.</summary>
    PassthroughRequired,
}

/// <summary>A public model name developers ask for, routed to a provider account at a pinned upstream id.</summary>
public sealed class ModelEntry
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ProfileId { get; set; }
    public required string PublicName { get; set; }
    public Guid ProviderAccountId { get; set; }
    public required string UpstreamModel { get; set; }

    /// <summary>The priority of the entry's own account and model, its first target (lower is tried first).</summary>
    public int Priority { get; set; }

    /// <summary>The first target's share of requests among targets of its priority.</summary>
    public int Weight { get; set; } = 1;

    /// <summary>Further targets for failover and load balancing; empty for a single-target entry.</summary>
    public List<Routing.ModelTarget> Alternates { get; set; } = [];
}

internal sealed class AccessProfileConfiguration : IEntityTypeConfiguration<AccessProfile>
{
    public void Configure(EntityTypeBuilder<AccessProfile> profile)
    {
        profile.HasMany(p => p.Models).WithOne().HasForeignKey(m => m.ProfileId).OnDelete(DeleteBehavior.Cascade);
        profile.HasMany(p => p.Budgets).WithOne().HasForeignKey(b => b.ProfileId).OnDelete(DeleteBehavior.Cascade);
        profile.HasMany(p => p.McpGrants).WithOne().HasForeignKey(g => g.ProfileId).OnDelete(DeleteBehavior.Cascade);
        profile.HasMany(p => p.Limits).WithOne().HasForeignKey(l => l.ProfileId).OnDelete(DeleteBehavior.Cascade);
        profile.Property(p => p.BillingMode).HasConversion<string>().HasMaxLength(24);
    }
}

internal sealed class ModelEntryConfiguration : IEntityTypeConfiguration<ModelEntry>
{
    public void Configure(EntityTypeBuilder<ModelEntry> model)
    {
        model.Property(m => m.PublicName).HasMaxLength(200);
        model.Property(m => m.UpstreamModel).HasMaxLength(200);
        model.HasIndex(m => new { m.ProfileId, m.PublicName }).IsUnique();
        model.HasOne<Providers.ProviderAccount>().WithMany().HasForeignKey(m => m.ProviderAccountId).OnDelete(DeleteBehavior.Restrict);
    }
}
