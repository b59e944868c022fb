using AgentRouter.Web.Budgets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Alerts;

public enum AlertChannelKind { Webhook, Slack }

/// <summary>Where a team's budget alerts go besides the console bell: a signed JSON webhook or a Slack incoming webhook.
/// Both URLs are treated as secrets (a Slack webhook URL is its own credential), so they are stored encrypted.</summary>
public sealed class AlertChannel
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public AlertChannelKind Kind { get; set; }
    public required string Name { get; set; }
    public required string UrlCipher { get; set; }

    /// <summary>Scheme and host plus the last characters: enough to recognise the endpoint.</summary>
    public required string UrlHint { get; set; }

    /// <summary>The webhook's HMAC key, encrypted (null for Slack).</summary>
    public string? SecretCipher { get; set; }
    public string? SecretHint { get; set; }
    public bool Enabled { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>One threshold of one budget scope crossed in one window. The unique key makes each fire once per window,
/// across restarts and replicas. It names the scope and window rather than the budget row, so re-saving a profile
/// (which replaces its budget rows) does not fire again.</summary>
public sealed class AlertFiring
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public BudgetScope Scope { get; set; }
    public Guid ScopeId { get; set; }
    public BudgetCadence Cadence { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public int Threshold { get; set; }
    public DateTimeOffset FiredAt { get; set; }
}

public enum AlertDeliveryStatus { Pending, Delivered, Failed }

/// <summary>One message to one channel, retried with backoff until delivered or out of attempts.</summary>
public sealed class AlertDelivery
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid TeamId { get; set; }
    public Guid ChannelId { get; set; }
    public bool Test { get; set; }

    /// <summary>The message as JSON (no secrets); Slack's text is rendered from it at send time.</summary>
    public required string Payload { get; set; }
    public required string Summary { get; set; }
    public AlertDeliveryStatus Status { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public List<AlertDeliveryAttempt> AttemptLog { get; set; } = [];
}

/// <summary>One try at a delivery: when, what the receiver answered, how long it took.</summary>
public sealed class AlertDeliveryAttempt
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public string? Error { get; set; }
    public long DurationMs { get; set; }
}

/// <summary>A message for the console's bell. Admins and Finance see every team's; a developer sees their team's.</summary>
public sealed class ConsoleNotification
{
    public long Id { get; set; }
    public Guid TeamId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string Title { get; set; }
    public required string Message { get; set; }
    public string? Link { get; set; }
}

/// <summary>That a console user has read a notification.</summary>
public sealed class ConsoleNotificationRead
{
    public long NotificationId { get; set; }
    public required string UserId { get; set; }
}

internal sealed class AlertConfiguration :
    IEntityTypeConfiguration<AlertChannel>, IEntityTypeConfiguration<AlertFiring>, IEntityTypeConfiguration<AlertDelivery>,
    IEntityTypeConfiguration<AlertDeliveryAttempt>, IEntityTypeConfiguration<ConsoleNotification>, IEntityTypeConfiguration<ConsoleNotificationRead>
{
    public void Configure(EntityTypeBuilder<AlertChannel> channel)
    {
        channel.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        channel.Property(c => c.Name).HasMaxLength(100);
        channel.Property(c => c.UrlHint).HasMaxLength(300);
        channel.Property(c => c.SecretHint).HasMaxLength(16);
        channel.HasIndex(c => c.TeamId);
        channel.HasOne<Teams.Team>().WithMany().HasForeignKey(c => c.TeamId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<AlertFiring> firing)
    {
        firing.Property(f => f.Scope).HasConversion<string>().HasMaxLength(16);
        firing.Property(f => f.Cadence).HasConversion<string>().HasMaxLength(16);
        firing.HasIndex(f => new { f.TeamId, f.Scope, f.ScopeId, f.Cadence, f.WindowStart, f.Threshold }).IsUnique();
    }

    public void Configure(EntityTypeBuilder<AlertDelivery> delivery)
    {
        delivery.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        delivery.Property(d => d.Summary).HasMaxLength(500);
        delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
        delivery.HasIndex(d => new { d.TeamId, d.CreatedAt });
        delivery.HasOne<AlertChannel>().WithMany().HasForeignKey(d => d.ChannelId).OnDelete(DeleteBehavior.Cascade);
        delivery.HasMany(d => d.AttemptLog).WithOne().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
    }

    public void Configure(EntityTypeBuilder<AlertDeliveryAttempt> attempt) => attempt.Property(a => a.Error).HasMaxLength(500);

    public void Configure(EntityTypeBuilder<ConsoleNotification> notification)
    {
        notification.Property(n => n.Title).HasMaxLength(200);
        notification.Property(n => n.Message).HasMaxLength(1000);
        notification.Property(n => n.Link).HasMaxLength(300);
        notification.HasIndex(n => n.At);
    }

    public void Configure(EntityTypeBuilder<ConsoleNotificationRead> read)
    {
        read.HasKey(r => new { r.UserId, r.NotificationId });
        read.Property(r => r.UserId).HasMaxLength(450);
        read.HasOne<ConsoleNotification>().WithMany().HasForeignKey(r => r.NotificationId).OnDelete(DeleteBehavior.Cascade);
    }
}
