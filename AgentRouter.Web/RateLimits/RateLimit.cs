using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.RateLimits;

/// <summary>A rate limit on a profile, applied to each key, each developer or the whole team: requests and tokens
/// per minute, and requests in flight at once. At least one of the three is set.</summary>
public sealed class RateLimit
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ProfileId { get; set; }
    public RateLimitScope Scope { get; set; }
    public int? RequestsPerMinute { get; set; }

    /// <summary>Input (uncached and cache writes) plus output tokens per minute, as the provider reports them.</summary>
    public long? TokensPerMinute { get; set; }

    public int? Concurrent { get; set; }
}

/// <summary>Whom one limit counts: every key on its own, every developer (all their keys together), or the team.</summary>
public enum RateLimitScope { Key, Developer, Team }

/// <summary>A rate limit as the gateway enforces it.</summary>
public sealed record RateLimitPolicy(RateLimitScope Scope, int? RequestsPerMinute, long? TokensPerMinute, int? Concurrent);

internal sealed class RateLimitConfiguration : IEntityTypeConfiguration<RateLimit>
{
    public void Configure(EntityTypeBuilder<RateLimit> limit)
    {
        limit.ToTable("RateLimits");
        limit.Property(l => l.Scope).HasConversion<string>().HasMaxLength(16);
    }
}
