using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Admin;

/// <summary>A bearer token for the admin REST API. Only its hash is stored.</summary>
public sealed class AdminApiToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public required string Hash { get; set; }
    public required string Prefix { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

internal sealed class AdminApiTokenConfiguration : IEntityTypeConfiguration<AdminApiToken>
{
    public void Configure(EntityTypeBuilder<AdminApiToken> token)
    {
        token.Property(t => t.Name).HasMaxLength(100);
        token.Property(t => t.Hash).HasMaxLength(64);
        token.HasIndex(t => t.Hash).IsUnique();
        token.Property(t => t.Prefix).HasMaxLength(32);
        token.Property(t => t.CreatedBy).HasMaxLength(256);
    }
}
