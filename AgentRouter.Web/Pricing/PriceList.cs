using System.Text.Json;
using System.Text.Json.Serialization;
using AgentRouter.Web.Providers;

namespace AgentRouter.Web.Pricing;

/// <summary>The price list shipped with the product (<c>Pricing/price-list.json</c>): current Anthropic, OpenAI and
/// Gemini models with the date their prices were read. The console offers an entry when a model is added to the
/// catalog; the lead confirms it. Nothing applies it by itself.</summary>
public sealed class PriceList
{
    private const string Resource = "AgentRouter.Web.Pricing.price-list.json";

    private PriceList(DateOnly asOf, IReadOnlyDictionary<string, string> sources, IReadOnlyList<PriceListModel> models) =>
        (AsOf, Sources, Models) = (asOf, sources, models);

    /// <summary>When the prices were read from the providers' pages.</summary>
    public DateOnly AsOf { get; }

    /// <summary>Which page each provider's prices come from.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    public IReadOnlyList<PriceListModel> Models { get; }

    public PriceListModel? Find(string model) => Models.FirstOrDefault(m => m.Model == model);

    /// <summary>Loads the built-in list; a malformed list fails the start rather than offering wrong prices.</summary>
    public static PriceList LoadBuiltIn()
    {
        using var stream = typeof(PriceList).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The built-in price list ({Resource}) is missing from the assembly.");
        return Parse(stream);
    }

    public static PriceList Parse(Stream json)
    {
        var file = JsonSerializer.Deserialize<PriceListFile>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow })
            ?? throw new InvalidDataException("The price list is empty.");
        if (!DateOnly.TryParseExact(file.AsOf, "yyyy-MM-dd", out var asOf))
            throw new InvalidDataException("The price list must say when its prices were read (\"asOf\": \"yyyy-MM-dd\").");
        var duplicates = file.Models.GroupBy(m => m.Model).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
            throw new InvalidDataException($"The price list names {string.Join(", ", duplicates)} more than once.");
        foreach (var model in file.Models)
            if (model.Input < 0 || model.Output < 0 || model.CacheRead < 0 || model.CacheWrite5m < 0 || model.CacheWrite1h < 0 || model.LongContext is { ThresholdTokens: <= 0 })
                throw new InvalidDataException($"The price list has an invalid price for {model.Model}.");
        return new PriceList(asOf, file.Sources, file.Models);
    }

    private sealed record PriceListFile(string AsOf, string? Notes, Dictionary<string, string> Sources, List<PriceListModel> Models);
}

/// <summary>One model of the built-in price list, USD per million tokens.</summary>
public sealed record PriceListModel(string Provider, string Model, int? ContextWindow, int? MaxOutputTokens, decimal Input, decimal Output, decimal CacheRead,
    decimal CacheWrite5m = 0, decimal CacheWrite1h = 0, PriceListLongContext? LongContext = null, decimal WebSearchPer1K = 0, decimal CodeExecutionPerHour = 0)
{
    /// <summary>The catalog request this entry pre-fills; the lead still confirms (and may change) it.</summary>
    public PutCatalogRequest ToRequest() => new(Input, Output, CacheWrite5m, CacheRead, ContextWindow, MaxOutputTokens, CacheWrite1h,
        LongContext is { } l ? new LongContextRequest(l.ThresholdTokens, l.Input, l.Output, l.CacheWrite5m, l.CacheWrite1h, l.CacheRead) : null,
        WebSearchPer1K, CodeExecutionPerHour);
}

public sealed record PriceListLongContext(long ThresholdTokens, decimal Input, decimal Output, decimal CacheRead, decimal CacheWrite5m = 0, decimal CacheWrite1h = 0);

public static class PricingExtensions
{
    public static IHostApplicationBuilder AddPricing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(_ => PriceList.LoadBuiltIn());
        builder.Services.AddSingleton<SpendQueries>();
        return builder;
    }
}
