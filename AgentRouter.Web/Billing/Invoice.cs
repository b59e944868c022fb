using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Billing;

/// <summary>One calendar month of usage, attributed team → agent → developer. A <see cref="InvoiceStatus.Preview"/> is
/// recomputed from the roll-ups each night; once <see cref="InvoiceStatus.Closed"/> it is never recomputed.</summary>
public sealed class Invoice
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary><c>yyyy-MM</c>, in <see cref="TimeZone"/>.</summary>
    public required string Month { get; set; }

    public InvoiceStatus Status { get; set; }

    /// <summary>The organisation's time zone the month was cut in (IANA or Windows id).</summary>
    public required string TimeZone { get; set; }

    /// <summary>First instant of the month (inclusive).</summary>
    public DateTimeOffset PeriodStart { get; set; }

    /// <summary>First instant after the month (exclusive).</summary>
    public DateTimeOffset PeriodEnd { get; set; }

    /// <summary>When the figures last changed.</summary>
    public DateTimeOffset ComputedAt { get; set; }

    public DateTimeOffset? ClosedAt { get; set; }

    public List<InvoiceLine> Lines { get; set; } = [];
}

public enum InvoiceStatus { Preview, Closed }

/// <summary>One developer's (or service agent's) use of one agent in one team, central and passthrough side by side.
/// Names are copied in, so a closed invoice still reads the same after a team or developer is renamed.</summary>
public sealed class InvoiceLine
{
    public long Id { get; set; }
    public Guid InvoiceId { get; set; }
    public Guid TeamId { get; set; }
    public required string Team { get; set; }
    public required string Agent { get; set; }

    /// <summary>The developer, or <see cref="Guid.Empty"/> for a service agent's key.</summary>
    public Guid DeveloperId { get; set; }

    public required string Developer { get; set; }

    /// <summary>Usage on the organisation's provider credentials: billed at its cost.</summary>
    public InvoiceAmounts Central { get; set; } = new();

    /// <summary>Usage on the developer's own subscription: its cost is notional and billed at zero.</summary>
    public InvoiceAmounts Passthrough { get; set; } = new();

    public decimal BilledUsd => Central.CostUsd;
}

/// <summary>Requests, tokens by kind, and cost at the prices in force when each request was made.</summary>
public sealed class InvoiceAmounts
{
    public long Requests { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long CacheWriteTokens { get; set; }
    public long CacheReadTokens { get; set; }
    public decimal CostUsd { get; set; }

    public long Tokens => InputTokens + OutputTokens + CacheWriteTokens + CacheReadTokens;

    public void Add(InvoiceAmounts other)
    {
        Requests += other.Requests;
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        CacheWriteTokens += other.CacheWriteTokens;
        CacheReadTokens += other.CacheReadTokens;
        CostUsd += other.CostUsd;
    }

    public bool SameAs(InvoiceAmounts other) =>
        (Requests, InputTokens, OutputTokens, CacheWriteTokens, CacheReadTokens, CostUsd) ==
        (other.Requests, other.InputTokens, other.OutputTokens, other.CacheWriteTokens, other.CacheReadTokens, other.CostUsd);
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> invoice)
    {
        invoice.Property(i => i.Month).HasMaxLength(7);
        invoice.HasIndex(i => i.Month).IsUnique();
        invoice.Property(i => i.Status).HasConversion<string>().HasMaxLength(16);
        invoice.Property(i => i.TimeZone).HasMaxLength(100);
        invoice.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> line)
    {
        line.Property(l => l.Team).HasMaxLength(100);
        line.Property(l => l.Agent).HasMaxLength(64);
        line.Property(l => l.Developer).HasMaxLength(100);
        line.Ignore(l => l.BilledUsd);
        foreach (var amounts in new[] { line.ComplexProperty(l => l.Central), line.ComplexProperty(l => l.Passthrough) })
        {
            amounts.Property(a => a.CostUsd).HasPrecision(18, 9);
            amounts.Ignore(a => a.Tokens);
        }
        line.HasIndex(l => new { l.InvoiceId, l.TeamId });
    }
}
