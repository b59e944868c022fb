using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Providers;

public sealed record CatalogView(string Model, decimal InputPerMTok, decimal OutputPerMTok, decimal CacheWritePerMTok, decimal CacheReadPerMTok, int? ContextWindow, DateTimeOffset UpdatedAt, int? MaxOutputTokens = null);

public sealed record PutCatalogRequest(decimal? InputPerMTok, decimal? OutputPerMTok, decimal? CacheWritePerMTok, decimal? CacheReadPerMTok, int? ContextWindow, int? MaxOutputTokens = null);

/// <summary>The org-approved upstream models and their prices (USD per million tokens); profiles pin models from it
/// and usage is costed with the prices in force when each request is made.</summary>
public sealed class CatalogService(IDbContextFactory<AppDbContext> factory)
{
    public static CatalogView View(CatalogEntry e) => new(e.Model, e.InputPerMTok, e.OutputPerMTok, e.CacheWritePerMTok, e.CacheReadPerMTok, e.ContextWindow, e.UpdatedAt, e.MaxOutputTokens);

    public Task<List<CatalogView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.Catalog.AsNoTracking().ToListAsync(cancellationToken)).OrderBy(e => e.Model, StringComparer.Ordinal).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<CatalogView>> PutAsync(string model, PutCatalogRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        model = model.Trim();
        problems.Require(model.Length is > 0 and <= 200, "model", "The model id is required (at most 200 characters).");
        Price(request.InputPerMTok, "inputPerMTok", problems, required: true);
        Price(request.OutputPerMTok, "outputPerMTok", problems, required: true);
        Price(request.CacheWritePerMTok, "cacheWritePerMTok", problems, required: false);
        Price(request.CacheReadPerMTok, "cacheReadPerMTok", problems, required: false);
        problems.Require(request.ContextWindow is null or > 0, "contextWindow", "The context window must be a positive number of tokens.");
        problems.Require(request.MaxOutputTokens is null or > 0, "maxOutputTokens", "The maximum output must be a positive number of tokens.");
        problems.Require(request.MaxOutputTokens is null || request.ContextWindow is null || request.MaxOutputTokens <= request.ContextWindow,
            "maxOutputTokens", "The maximum output cannot exceed the context window.");
        if (problems.Any)
            return AdminResult<CatalogView>.Invalid(problems);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var entry = await db.Catalog.FindAsync([model], cancellationToken);
        var before = entry is null ? null : View(entry);
        if (entry is null)
            db.Catalog.Add(entry = new CatalogEntry { Model = model });
        entry.InputPerMTok = request.InputPerMTok!.Value;
        entry.OutputPerMTok = request.OutputPerMTok!.Value;
        entry.CacheWritePerMTok = request.CacheWritePerMTok ?? 0;
        entry.CacheReadPerMTok = request.CacheReadPerMTok ?? 0;
        entry.ContextWindow = request.ContextWindow;
        entry.MaxOutputTokens = request.MaxOutputTokens;
        entry.UpdatedAt = actor.At;
        db.Audit(actor, before is null ? "catalog.added" : "catalog.updated", "CatalogEntry", model, before, View(entry));
        await db.SaveChangesAsync(cancellationToken);
        return View(entry);
    }

    private static void Price(decimal? value, string field, Problems problems, bool required)
    {
        if (value is null)
            problems.Require(!required, field, "This price is required (USD per million tokens).");
        else
            problems.Require(value is >= 0 and <= 100_000, field, "Prices are USD per million tokens, between 0 and 100000.");
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
        var account = new ProviderAccount { Name = AccountName, Kind = ProviderKind.Sandbox, BaseUrl = ProviderService.SandboxBaseUrl, CreatedAt = actor.At };
        db.ProviderAccounts.Add(account);
        db.Audit(actor, "provider.created", "ProviderAccount", account.Id, null, ProviderService.View(account));
        var priced = await db.Catalog.Where(c => Models.Contains(c.Model)).Select(c => c.Model).ToListAsync(cancellationToken);
        foreach (var model in Models.Except(priced))
        {
            var entry = new CatalogEntry { Model = model, InputPerMTok = 3, OutputPerMTok = 15, CacheWritePerMTok = 3.75m, CacheReadPerMTok = 0.30m, ContextWindow = 200_000, MaxOutputTokens = MaxOutputTokens(model), UpdatedAt = actor.At };
            db.Catalog.Add(entry);
            db.Audit(actor, "catalog.added", "CatalogEntry", model, null, CatalogService.View(entry));
        }
        await db.SaveChangesAsync(cancellationToken);
    }
}
