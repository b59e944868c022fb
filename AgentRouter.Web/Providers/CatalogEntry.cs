using AgentRouter.Web.Pricing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Providers;

/// <summary>An org-approved upstream model and its price sheets (USD per million tokens), each in force from its date.</summary>
public sealed class CatalogEntry
{
    /// <summary>The upstream model id, e.g. <c>claude-sonnet-4-5-20250929</c>.</summary>
    public required string Model { get; set; }

    public int? ContextWindow { get; set; }

    /// <summary>The most output tokens the model produces in one answer: requests asking for more are refused,
    /// and a request that names no limit is reserved against budgets at this many.</summary>
    public int? MaxOutputTokens { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Every price sheet the model has had or will have; none is ever changed once in force.</summary>
    public List<CatalogPrice> Prices { get; set; } = [];
}

/// <summary>One dated price sheet of a catalog model. Rows are added, never rewritten once in force: a usage record
/// keeps the cost at the sheet in force when it was made.</summary>
public sealed class CatalogPrice
{
    public long Id { get; set; }
    public required string Model { get; set; }
    public DateTimeOffset EffectiveFrom { get; set; }

    public decimal InputPerMTok { get; set; }
    public decimal OutputPerMTok { get; set; }
    public decimal CacheWrite5mPerMTok { get; set; }
    public decimal CacheWrite1hPerMTok { get; set; }
    public decimal CacheReadPerMTok { get; set; }

    /// <summary>Prompt size above which the long-context rates apply; null when the model has no such tier.</summary>
    public long? LongContextThreshold { get; set; }
    public decimal? LongInputPerMTok { get; set; }
    public decimal? LongOutputPerMTok { get; set; }
    public decimal? LongCacheWrite5mPerMTok { get; set; }
    public decimal? LongCacheWrite1hPerMTok { get; set; }
    public decimal? LongCacheReadPerMTok { get; set; }

    public decimal WebSearchPer1K { get; set; }
    public decimal CodeExecutionPerHour { get; set; }

    public PriceSheet ToSheet() => new(
        EffectiveFrom,
        new TokenRates(InputPerMTok, OutputPerMTok, CacheWrite5mPerMTok, CacheWrite1hPerMTok, CacheReadPerMTok),
        LongContextThreshold is { } threshold
            ? new LongContextTier(threshold, new TokenRates(LongInputPerMTok ?? 0, LongOutputPerMTok ?? 0, LongCacheWrite5mPerMTok ?? 0, LongCacheWrite1hPerMTok ?? 0, LongCacheReadPerMTok ?? 0))
            : null,
        WebSearchPer1K, CodeExecutionPerHour);

    public static CatalogPrice From(string model, PriceSheet sheet) => new()
    {
        Model = model,
        EffectiveFrom = sheet.EffectiveFrom,
        InputPerMTok = sheet.Rates.InputPerMTok,
        OutputPerMTok = sheet.Rates.OutputPerMTok,
        CacheWrite5mPerMTok = sheet.Rates.CacheWrite5mPerMTok,
        CacheWrite1hPerMTok = sheet.Rates.CacheWrite1hPerMTok,
        CacheReadPerMTok = sheet.Rates.CacheReadPerMTok,
        LongContextThreshold = sheet.LongContext?.ThresholdTokens,
        LongInputPerMTok = sheet.LongContext?.Rates.InputPerMTok,
        LongOutputPerMTok = sheet.LongContext?.Rates.OutputPerMTok,
        LongCacheWrite5mPerMTok = sheet.LongContext?.Rates.CacheWrite5mPerMTok,
        LongCacheWrite1hPerMTok = sheet.LongContext?.Rates.CacheWrite1hPerMTok,
        LongCacheReadPerMTok = sheet.LongContext?.Rates.CacheReadPerMTok,
        WebSearchPer1K = sheet.WebSearchPer1K,
        CodeExecutionPerHour = sheet.CodeExecutionPerHour,
    };
}

internal sealed class CatalogEntryConfiguration : IEntityTypeConfiguration<CatalogEntry>
{
    public void Configure(EntityTypeBuilder<CatalogEntry> entry)
    {
        entry.HasKey(e => e.Model);
        entry.Property(e => e.Model).HasMaxLength(200);
        entry.HasMany(e => e.Prices).WithOne().HasForeignKey(p => p.Model).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CatalogPriceConfiguration : IEntityTypeConfiguration<CatalogPrice>
{
    public void Configure(EntityTypeBuilder<CatalogPrice> price)
    {
        price.ToTable("CatalogPrices");
        price.Property(p => p.Model).HasMaxLength(200);
        price.HasIndex(p => new { p.Model, p.EffectiveFrom }).IsUnique();
        foreach (var property in price.Metadata.GetProperties().Where(p => p.ClrType == typeof(decimal) || p.ClrType == typeof(decimal?)))
        {
            property.SetPrecision(18);
            property.SetScale(6);
        }
    }
}
