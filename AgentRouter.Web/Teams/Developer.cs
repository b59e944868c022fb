using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Teams;

/// <summary>A person who calls the gateway; may or may not also sign in to the console.</summary>
public sealed class Developer
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Email { get; set; }
    public required string Name { get; set; }
    public Guid TeamId { get; set; }

    /// <summary>The console user this developer signs in as, when they have one.</summary>
    public string? UserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class DeveloperConfiguration : IEntityTypeConfiguration<Developer>
{
    public void Configure(EntityTypeBuilder<Developer> developer)
    {
        developer.Property(d => d.Email).HasMaxLength(254);
        developer.Property(d => d.Name).HasMaxLength(100);
        developer.HasIndex(d => d.Email).IsUnique();
    }
}
