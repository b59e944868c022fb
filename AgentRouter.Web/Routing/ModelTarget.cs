using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Routing;

/// <summary>A further target of a model entry, beyond the entry's own account and pinned model (its first target):
/// another account, or another pinned model, that can serve the same public name.</summary>
public sealed class ModelTarget
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ModelEntryId { get; set; }

    /// <summary>Where the target stands in the list the admin wrote (1 for the second target, …).</summary>
    public int Position { get; set; }

    public Guid ProviderAccountId { get; set; }
    public required string UpstreamModel { get; set; }

    /// <summary>Lower is tried first; targets of equal priority share requests by <see cref="Weight"/>.</summary>
    public int Priority { get; set; }

    public int Weight { get; set; } = 1;
}

internal sealed class ModelTargetConfiguration : IEntityTypeConfiguration<ModelTarget>
{
    public void Configure(EntityTypeBuilder<ModelTarget> target)
    {
        target.ToTable("ModelTargets");
        target.Property(t => t.UpstreamModel).HasMaxLength(200);
        target.HasIndex(t => new { t.ModelEntryId, t.Position }).IsUnique();
        target.HasOne<Profiles.ModelEntry>().WithMany(m => m.Alternates).HasForeignKey(t => t.ModelEntryId).OnDelete(DeleteBehavior.Cascade);
        target.HasOne<Providers.ProviderAccount>().WithMany().HasForeignKey(t => t.ProviderAccountId).OnDelete(DeleteBehavior.Restrict);
    }
}
