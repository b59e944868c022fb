using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Budgets;

/// <summary>A spending limit on a profile: tokens and/or USD per window, for the team pool or each developer.</summary>
public sealed class Budget
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ProfileId { get; set; }
    public BudgetScope Scope { get; set; }

    /// <summary>Input + output + cache write + cache read tokens allowed per window.</summary>
    public long? Tokens { get; set; }

    public decimal? Usd { get; set; }
    public BudgetCadence Cadence { get; set; }
    public BudgetMode Mode { get; set; }

    /// <summary>Percentages of the limit at which the team's alert channels are told, once per window (null: none).</summary>
    public List<int>? AlertAt { get; set; }
}

public enum BudgetScope { Team, Developer }

public enum BudgetCadence { Daily, Weekly, Monthly }

public enum BudgetMode { Block, Warn }

internal sealed class BudgetConfiguration : IEntityTypeConfiguration<Budget>
{
    public void Configure(EntityTypeBuilder<Budget> budget)
    {
        budget.Property(b => b.Scope).HasConversion<string>().HasMaxLength(16);
        budget.Property(b => b.Cadence).HasConversion<string>().HasMaxLength(16);
        budget.Property(b => b.Mode).HasConversion<string>().HasMaxLength(16);
        budget.Property(b => b.Usd).HasPrecision(18, 6);
        budget.PrimitiveCollection(b => b.AlertAt);
    }
}
