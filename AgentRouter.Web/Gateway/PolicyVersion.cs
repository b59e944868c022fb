using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Gateway;

/// <summary>The store's one row saying which policy is current: every save that changes policy gives it a new stamp in
/// the same transaction. Replicas compare it with the stamp their snapshot was built from, as a safety net under the
/// change notifications.</summary>
public sealed class PolicyVersion
{
    public const int SingletonId = 1;

    public int Id { get; set; }
    public Guid Stamp { get; set; }
}

internal sealed class PolicyVersionConfiguration : IEntityTypeConfiguration<PolicyVersion>
{
    public void Configure(EntityTypeBuilder<PolicyVersion> version)
    {
        version.Property(v => v.Id).ValueGeneratedNever();
        version.HasData(new PolicyVersion { Id = PolicyVersion.SingletonId, Stamp = Guid.Empty });
    }
}
