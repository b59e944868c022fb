using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Audit;

/// <summary>One admin change: who did what to which entity, with its state before and after (secrets redacted).</summary>
public sealed class AuditEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public required string EntityId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.Property(a => a.Actor).HasMaxLength(256);
        audit.Property(a => a.Action).HasMaxLength(64);
        audit.Property(a => a.EntityType).HasMaxLength(64);
        audit.Property(a => a.EntityId).HasMaxLength(200);
        audit.HasIndex(a => a.At);
        audit.HasIndex(a => new { a.EntityType, a.EntityId });
    }
}
