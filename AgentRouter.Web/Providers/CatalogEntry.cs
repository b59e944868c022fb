using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Providers;

/// <summary>An org-approved upstream model and its prices in USD per million tokens.</summary>
public sealed class CatalogEntry
{
    /// <summary>The upstream model id, e.g. <c>claude-sonnet-4-5-20250929</c>.</summary>
    public required string Model { get; set; }

    public decimal InputPerMTok { get; set; }
    public decimal OutputPerMTok { get; set; }
    public decimal CacheWritePerMTok { get; set; }
    public decimal CacheReadPerMTok { get; set; }
    public int? ContextWindow { get; set; }

    /// <summary>The most output tokens the model produces in one answer: requests asking for more are refused,
    /// and a request that names no limit is reserved against budgets at this many.</summary>
    public int? MaxOutputTokens { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class CatalogEntryConfiguration : IEntityTypeConfiguration<CatalogEntry>
{
    public void Configure(EntityTypeBuilder<CatalogEntry> entry)
    {
        entry.HasKey(e => e.Model);
        entry.Property(e => e.Model).HasMaxLength(200);
        foreach (var price in new[] { nameof(CatalogEntry.InputPerMTok), nameof(CatalogEntry.OutputPerMTok), nameof(CatalogEntry.CacheWritePerMTok), nameof(CatalogEntry.CacheReadPerMTok) })
            entry.Property(price).HasPrecision(18, 6);
    }
}
