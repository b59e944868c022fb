using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Pricing;

/// <summary>Token prices in USD per million tokens for one band of prompt sizes.</summary>
public sealed record TokenRates(decimal InputPerMTok, decimal OutputPerMTok, decimal CacheWrite5mPerMTok, decimal CacheWrite1hPerMTok, decimal CacheReadPerMTok);

/// <summary>The rates above a prompt size: a request whose prompt (uncached input + cache reads + cache writes) is
/// more than <see cref="ThresholdTokens"/> pays these rates on all of its tokens, output included.</summary>
public sealed record LongContextTier(long ThresholdTokens, TokenRates Rates);

/// <summary>What one request cost, and whether the long-context tier applied.</summary>
public readonly record struct Charge(decimal Usd, bool LongContext);

/// <summary>One model's price sheet as in force from <see cref="EffectiveFrom"/>: token rates, an optional
/// long-context tier and per-use fees of the provider's server tools.</summary>
/// <param name="WebSearchPer1K">USD per 1,000 web searches the provider ran for the request.</param>
/// <param name="CodeExecutionPerHour">USD per container hour of the provider's code execution tool. Kept on the
/// sheet for reference: providers do not report container time per answer, so it is not part of a request's cost.</param>
public sealed record PriceSheet(DateTimeOffset EffectiveFrom, TokenRates Rates, LongContextTier? LongContext = null,
    decimal WebSearchPer1K = 0, decimal CodeExecutionPerHour = 0)
{
    /// <summary>The prompt size the long-context threshold is compared with.</summary>
    public static long PromptTokens(in TokenUsage usage) => usage.Input + usage.CacheRead + usage.CacheWrite;

    /// <summary>Prices one request's usage. Exact decimal arithmetic, never rounded: a record keeps the cost to
    /// the nano-dollar and invoices round once, at the end.</summary>
    public Charge Cost(in TokenUsage usage)
    {
        var longContext = LongContext is { } tier && PromptTokens(usage) > tier.ThresholdTokens;
        var r = longContext ? LongContext!.Rates : Rates;
        var write1h = Math.Min(usage.CacheWrite1h, usage.CacheWrite);
        var tokens = usage.Input * r.InputPerMTok + usage.Output * r.OutputPerMTok + (usage.CacheWrite - write1h) * r.CacheWrite5mPerMTok
            + write1h * r.CacheWrite1hPerMTok + usage.CacheRead * r.CacheReadPerMTok;
        return new Charge(tokens / 1_000_000m + usage.WebSearches * WebSearchPer1K / 1_000m, longContext);
    }
}

/// <summary>Every price sheet of one model, oldest first; a request is priced with the sheet in force when it was made,
/// so a price change never rewrites what earlier requests cost.</summary>
public sealed class PriceHistory
{
    private readonly PriceSheet[] _sheets;

    public PriceHistory(IEnumerable<PriceSheet> sheets) => _sheets = sheets.OrderBy(s => s.EffectiveFrom).ToArray();

    public IReadOnlyList<PriceSheet> Sheets => _sheets;

    /// <summary>The sheet in force at <paramref name="at"/>, or null when the model had no price yet.</summary>
    public PriceSheet? At(DateTimeOffset at)
    {
        for (var i = _sheets.Length - 1; i >= 0; i--)
            if (_sheets[i].EffectiveFrom <= at)
                return _sheets[i];
        return null;
    }
}
