using AgentRouter.Web.Profiles;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Teams;

/// <summary>A group of developers that shares one <see cref="AccessProfile"/>.</summary>
public sealed class Team
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }

    /// <summary>Lower-case, URL-safe; also the middle part of the team's keys (<c>ar_&lt;slug&gt;_…</c>).</summary>
    public required string Slug { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public AccessProfile Profile { get; set; } = new();
    public List<Developer> Developers { get; set; } = [];
}

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> team)
    {
        team.Property(t => t.Name).HasMaxLength(100);
        team.Property(t => t.Slug).HasMaxLength(40);
        team.HasIndex(t => t.Slug).IsUnique();
        team.HasOne(t => t.Profile).WithOne().HasForeignKey<AccessProfile>(p => p.TeamId).OnDelete(DeleteBehavior.Cascade);
        team.HasMany(t => t.Developers).WithOne().HasForeignKey(d => d.TeamId).OnDelete(DeleteBehavior.Restrict);
    }
}
