using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using AgentRouter.Web.Pricing;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Providers;

/// <summary>Rates of the long-context tier: every token of a request whose prompt is over the threshold pays these.</summary>
public sealed record LongContextView(long ThresholdTokens, decimal InputPerMTok, decimal OutputPerMTok, decimal CacheWritePerMTok, decimal CacheWrite1hPerMTok, decimal CacheReadPerMTok);

/// <summary>One dated price sheet, USD per million tokens (web search per 1,000 searches, code execution per hour).
/// <c>CacheWritePerMTok</c> is the five-minute cache write.</summary>
public sealed record PriceSheetView(DateTimeOffset EffectiveFrom, decimal InputPerMTok, decimal OutputPerMTok, decimal CacheWritePerMTok, decimal CacheWrite1hPerMTok,
    decimal CacheReadPerMTok, LongContextView? LongContext, decimal WebSearchPer1K, decimal CodeExecutionPerHour)
{
    public static PriceSheetView From(PriceSheet s) => new(s.EffectiveFrom, s.Rates.InputPerMTok, s.Rates.OutputPerMTok, s.Rates.CacheWrite5mPerMTok,
        s.Rates.CacheWrite1hPerMTok, s.Rates.CacheReadPerMTok,
        s.LongContext is { } l ? new(l.ThresholdTokens, l.Rates.InputPerMTok, l.Rates.OutputPerMTok, l.Rates.CacheWrite5mPerMTok, l.Rates.CacheWrite1hPerMTok, l.Rates.CacheReadPerMTok) : null,
        s.WebSearchPer1K, s.CodeExecutionPerHour);
}

/// <summary>A catalog model with the flat prices of the sheet in force (as before price sheets), the rest of that sheet,
/// and every sheet it has had or will have (<see cref="History"/>, oldest first).</summary>
public sealed record CatalogView(string Model, decimal InputPerMTok, decimal OutputPerMTok, decimal CacheWritePerMTok, decimal CacheReadPerMTok, int? ContextWindow,
    DateTimeOffset UpdatedAt, int? MaxOutputTokens = null, decimal CacheWrite1hPerMTok = 0, LongContextView? LongContext = null, decimal WebSearchPer1K = 0, decimal CodeExecutionPerHour = 0,
    DateTimeOffset? EffectiveFrom = null, IReadOnlyList<PriceSheetView>? History = null);

/// <summary>The long-context tier of a <see cref="PutCatalogRequest"/>; a tier without a threshold removes the tier.</summary>
public sealed record LongContextRequest(long? ThresholdTokens, decimal? InputPerMTok, decimal? OutputPerMTok, decimal? CacheWritePerMTok, decimal? CacheWrite1hPerMTok, decimal? CacheReadPerMTok);

/// <summary>Adds or changes a catalog model. The first five fields are the original flat API and keep their meaning
/// (<c>cacheWritePerMTok</c> is the five-minute write). On an existing model, omitted newer fields keep the values of
/// the sheet in force; on a new one, a one-hour write defaults to the five-minute price (how it was costed before).</summary>
public sealed record PutCatalogRequest(decimal? InputPerMTok, decimal? OutputPerMTok, decimal? CacheWritePerMTok, decimal? CacheReadPerMTok, int? ContextWindow,
    int? MaxOutputTokens = null, decimal? CacheWrite1hPerMTok = null, LongContextRequest? LongContext = null, decimal? WebSearchPer1K = null, decimal? CodeExecutionPerHour = null,
    DateTimeOffset? EffectiveFrom = null);

/// <summary>The org-approved upstream models and their dated price sheets; profiles pin models from it and usage is
/// costed with the sheet in force when each request is made. A price change adds a sheet; it never rewrites one in force.</summary>
public sealed class CatalogService(IDbContextFactory<AppDbContext> factory, TimeProvider clock)
{
    public const decimal MaxPerMTok = 100_000;

    public static CatalogView View(CatalogEntry e, DateTimeOffset now)
    {
        var history = new PriceHistory(e.Prices.Select(p => p.ToSheet()));
        var current = history.At(now) ?? history.Sheets.FirstOrDefault();
        var sheet = current is null ? null : PriceSheetView.From(current);
        return new CatalogView(e.Model, sheet?.InputPerMTok ?? 0, sheet?.OutputPerMTok ?? 0, sheet?.CacheWritePerMTok ?? 0, sheet?.CacheReadPerMTok ?? 0,
            e.ContextWindow, e.UpdatedAt, e.MaxOutputTokens, sheet?.CacheWrite1hPerMTok ?? 0, sheet?.LongContext, sheet?.WebSearchPer1K ?? 0, sheet?.CodeExecutionPerHour ?? 0,
            sheet?.EffectiveFrom, history.Sheets.Select(PriceSheetView.From).ToList());
    }

    public Task<List<CatalogView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.Catalog.AsNoTracking().Include(e => e.Prices).ToListAsync(cancellationToken))
            .OrderBy(e => e.Model, StringComparer.Ordinal).Select(e => View(e, clock.GetUtcNow())).ToList(), cancellationToken);

    public async Task<AdminResult<CatalogView>> PutAsync(string model, PutCatalogRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        model = model.Trim();
        problems.Require(model.Length is > 0 and <= 200, "model", "The model id is required (at most 200 characters).");
        problems.Require(request.ContextWindow is null or > 0, "contextWindow", "The context window must be a positive number of tokens.");
        problems.Require(request.MaxOutputTokens is null or > 0, "maxOutputTokens", "The maximum output must be a positive number of tokens.");
        problems.Require(request.MaxOutputTokens is null || request.ContextWindow is null || request.MaxOutputTokens <= request.ContextWindow,
            "maxOutputTokens", "The maximum output cannot exceed the context window.");
        var effective = request.EffectiveFrom ?? actor.At;

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Catalog.Include(e => e.Prices).FirstOrDefaultAsync(e => e.Model == model, cancellationToken);
        var inForce = entry is null ? null : new PriceHistory(entry.Prices.Select(p => p.ToSheet())).At(effective);
        var sheet = Sheet(request, inForce, effective, problems);
        var changed = sheet is not null && (inForce is null || sheet != inForce with { EffectiveFrom = effective });
        if (entry is not null && changed && effective < actor.At)
            problems.Add("effectiveFrom", "A price change cannot be backdated: requests already made keep the cost at the prices then in force. Give a date from now on.");
        if (problems.Any)
            return AdminResult<CatalogView>.Invalid(problems);

        var before = entry is null ? null : View(entry, actor.At);
        if (entry is null)
            db.Catalog.Add(entry = new CatalogEntry { Model = model });
        entry.ContextWindow = request.ContextWindow;
        entry.MaxOutputTokens = request.MaxOutputTokens;
        entry.UpdatedAt = actor.At;
        if (changed)
        {
            // Same date as an existing sheet: that sheet is not in force before now, so replacing it rewrites no request's cost.
            if (entry.Prices.FirstOrDefault(p => p.EffectiveFrom == effective) is { } sameDate)
                entry.Prices.Remove(sameDate);
            entry.Prices.Add(CatalogPrice.From(model, sheet!));
        }
        db.Audit(actor, before is null ? "catalog.added" : "catalog.updated", "CatalogEntry", model, before, View(entry, actor.At));
        await db.SaveChangesAsync(cancellationToken);
        return View(entry, actor.At);
    }

    /// <summary>Removes a catalog entry. Refused while a profile pins it: moving those pins first is an explicit act.</summary>
    public async Task<AdminResult<CatalogView>> DeleteAsync(string model, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Catalog.Include(e => e.Prices).FirstOrDefaultAsync(e => e.Model == model, cancellationToken);
        if (entry is null)
            return AdminResult<CatalogView>.NotFound($"No catalog entry '{model}'.");
        var pinnedBy = await (from m in db.ModelEntries join p in db.Profiles on m.ProfileId equals p.Id join t in db.Teams on p.TeamId equals t.Id
                              where m.UpstreamModel == model select t.Name).Distinct().ToListAsync(cancellationToken);
        if (pinnedBy.Count > 0)
            return AdminResult<CatalogView>.Invalid(new Problems().Add("model",
                $"'{model}' is pinned by {string.Join(", ", pinnedBy.Order(StringComparer.Ordinal))}; move or remove those pins on the team pages first."));
        var before = View(entry, actor.At);
        db.Catalog.Remove(entry);
        db.Audit(actor, "catalog.deleted", "CatalogEntry", model, before, null);
        await db.SaveChangesAsync(cancellationToken);
        return before;
    }

    /// <summary>The sheet a request describes, filling what it omits from the sheet in force; null when invalid.</summary>
    private static PriceSheet? Sheet(PutCatalogRequest r, PriceSheet? inForce, DateTimeOffset effective, Problems problems)
    {
        var input = Price(r.InputPerMTok, "inputPerMTok", problems, required: true);
        var output = Price(r.OutputPerMTok, "outputPerMTok", problems, required: true);
        var write5m = Price(r.CacheWritePerMTok, "cacheWritePerMTok", problems, required: false) ?? 0;
        var read = Price(r.CacheReadPerMTok, "cacheReadPerMTok", problems, required: false) ?? 0;
        var write1h = Price(r.CacheWrite1hPerMTok, "cacheWrite1hPerMTok", problems, required: false) ?? inForce?.Rates.CacheWrite1hPerMTok ?? write5m;
        var webSearch = Price(r.WebSearchPer1K, "webSearchPer1K", problems, required: false, "USD per 1,000 searches") ?? inForce?.WebSearchPer1K ?? 0;
        var codeExecution = Price(r.CodeExecutionPerHour, "codeExecutionPerHour", problems, required: false, "USD per hour") ?? inForce?.CodeExecutionPerHour ?? 0;
        var longContext = inForce?.LongContext;
        if (r.LongContext is { } l)
        {
            longContext = null;
            if (l.ThresholdTokens is { } threshold)
            {
                problems.Require(threshold > 0, "longContext.thresholdTokens", "The long-context threshold must be a positive number of prompt tokens.");
                var longInput = Price(l.InputPerMTok, "longContext.inputPerMTok", problems, required: true);
                var longOutput = Price(l.OutputPerMTok, "longContext.outputPerMTok", problems, required: true);
                var longWrite5m = Price(l.CacheWritePerMTok, "longContext.cacheWritePerMTok", problems, required: false) ?? 0;
                var longWrite1h = Price(l.CacheWrite1hPerMTok, "longContext.cacheWrite1hPerMTok", problems, required: false) ?? longWrite5m;
                var longRead = Price(l.CacheReadPerMTok, "longContext.cacheReadPerMTok", problems, required: false) ?? 0;
                longContext = new LongContextTier(threshold, new TokenRates(longInput ?? 0, longOutput ?? 0, longWrite5m, longWrite1h, longRead));
            }
        }
        return problems.Any ? null
            : new PriceSheet(effective, new TokenRates(input!.Value, output!.Value, write5m, write1h, read), longContext, webSearch, codeExecution);
    }

    private static decimal? Price(decimal? value, string field, Problems problems, bool required, string unit = "USD per million tokens")
    {
        if (value is null)
            problems.Require(!required, field, $"This price is required ({unit}).");
        else if (value < 0)
            problems.Add(field, $"A price cannot be negative ({unit}).");
        else
            problems.Require(value <= MaxPerMTok && decimal.Round(value.Value, 6) == value, field, $"Prices are {unit}, between 0 and {MaxPerMTok:0} with at most 6 decimals.");
        return value;
    }
}

/// <summary>On a fresh store, adds the built-in sandbox provider and its catalog, so the gateway can be tried at once.</summary>
internal sealed class SandboxSeeder(TimeProvider clock) : IStoreSeeder
{
    public const string AccountName = "Sandbox (built-in, simulated)";

    /// <summary>Model ids the sandbox answers for, with illustrative prices.</summary>
    public static readonly string[] Models = ["sandbox-claude", "sandbox-gpt", "sandbox-gemini"];

    /// <summary>The sandbox models' maximum output, shaped like the real models they stand in for.</summary>
    public static int MaxOutputTokens(string model) => model switch
    {
        "sandbox-gpt" => 16_384,
        "sandbox-gemini" => 65_536,
        _ => 64_000,
    };

    public async Task SeedAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        if (await db.ProviderAccounts.AnyAsync(cancellationToken))
            return;
        var actor = new Actor("system", clock.GetUtcNow());
        var account = new ProviderAccount { Name = AccountName, Kind = ProviderKind.Sandbox, BaseUrl = Sandbox.SandboxAdapter.BaseUrl, CreatedAt = actor.At };
        db.ProviderAccounts.Add(account);
        db.Audit(actor, "provider.created", "ProviderAccount", account.Id, null, ProviderService.View(account, "sandbox"));
        var priced = await db.Catalog.Where(c => Models.Contains(c.Model)).Select(c => c.Model).ToListAsync(cancellationToken);
        foreach (var model in Models.Except(priced))
        {
            var entry = new CatalogEntry { Model = model, ContextWindow = 200_000, MaxOutputTokens = MaxOutputTokens(model), UpdatedAt = actor.At };
            entry.Prices.Add(CatalogPrice.From(model, new PriceSheet(actor.At, new TokenRates(3, 15, 3.75m, 6, 0.30m), WebSearchPer1K: 10)));
            db.Catalog.Add(entry);
            db.Audit(actor, "catalog.added", "CatalogEntry", model, null, CatalogService.View(entry, actor.At));
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
