using AgentRouter.Web.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Keys;

/// <summary>A developer's (or a named service agent's) Agent Router key. Only its hash is stored.</summary>
public sealed class ApiKey
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public Guid? DeveloperId { get; set; }

    /// <summary>For keys that belong to an automated agent rather than a person, e.g. <c>ci-reviewer</c>.</summary>
    public string? ServiceAgent { get; set; }

    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public required string Hash { get; set; }

    /// <summary>What the console shows, e.g. <c>ar_payments_3kQ9…</c>.</summary>
    public required string Prefix { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> key)
    {
        key.Property(k => k.Name).HasMaxLength(100);
        key.Property(k => k.ServiceAgent).HasMaxLength(64);
        key.Property(k => k.Hash).HasMaxLength(64);
        key.HasIndex(k => k.Hash).IsUnique();
        key.Property(k => k.Prefix).HasMaxLength(64);
        key.HasOne<Team>().WithMany().HasForeignKey(k => k.TeamId).OnDelete(DeleteBehavior.Restrict);
        key.HasOne<Developer>().WithMany().HasForeignKey(k => k.DeveloperId).OnDelete(DeleteBehavior.Restrict);
    }
}
