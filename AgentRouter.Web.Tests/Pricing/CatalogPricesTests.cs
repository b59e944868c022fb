using System.Net;
using System.Text;
using AgentRouter.Web.Data;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Pricing;

/// <summary>The catalog's price sheets through the admin API: the original flat fields still work, every dimension can be
/// set, bad prices are refused with a message, a change is dated and never rewrites one in force, and every change is audited.</summary>
public sealed class CatalogPricesTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static string Model() => "catalog-test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task FlatFields_AsExistingAutomationSendsThem_StillWork_AndOneHourWritesDefaultToTheFiveMinutePrice()
    {
        var admin = fixture.Router.Admin();
        var model = Model();

        var saved = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}",
            new { inputPerMTok = 3, outputPerMTok = 15, cacheWritePerMTok = 3.75, cacheReadPerMTok = 0.30, contextWindow = 200000 });

        Assert.Equal((3m, 15m, 3.75m, 0.30m, 3.75m), (saved["inputPerMTok"]!.GetValue<decimal>(), saved["outputPerMTok"]!.GetValue<decimal>(),
            saved["cacheWritePerMTok"]!.GetValue<decimal>(), saved["cacheReadPerMTok"]!.GetValue<decimal>(), saved["cacheWrite1hPerMTok"]!.GetValue<decimal>()));
        Assert.Null(saved["longContext"]);
        Assert.Single(saved["history"]!.AsArray());
    }

    [Fact]
    public async Task FullSheet_RoundTrips_AndLaterFlatUpdatesKeepTheNewerDimensions()
    {
        var admin = fixture.Router.Admin();
        var model = Model();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new
        {
            inputPerMTok = 3, outputPerMTok = 15, cacheWritePerMTok = 3.75, cacheWrite1hPerMTok = 6, cacheReadPerMTok = 0.30, webSearchPer1K = 10, codeExecutionPerHour = 0.05,
            longContext = new { thresholdTokens = 200000, inputPerMTok = 6, outputPerMTok = 22.5, cacheWritePerMTok = 7.5, cacheWrite1hPerMTok = 12, cacheReadPerMTok = 0.6 },
        });
        fixture.Router.Clock.Advance(TimeSpan.FromMinutes(1));

        var updated = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = 3.10, outputPerMTok = 15, cacheWritePerMTok = 3.75, cacheReadPerMTok = 0.30 });
        var listed = (await admin.ListAsync("/api/admin/catalog")).Single(e => e!["model"]!.GetValue<string>() == model)!;

        Assert.Equal(3.10m, updated["inputPerMTok"]!.GetValue<decimal>());
        Assert.Equal((6m, 10m, 0.05m), (updated["cacheWrite1hPerMTok"]!.GetValue<decimal>(), updated["webSearchPer1K"]!.GetValue<decimal>(), updated["codeExecutionPerHour"]!.GetValue<decimal>()));
        Assert.Equal(200000, updated["longContext"]!["thresholdTokens"]!.GetValue<long>());
        Assert.Equal([3m, 3.10m], listed["history"]!.AsArray().Select(h => h!["inputPerMTok"]!.GetValue<decimal>()));
        var audit = await admin.ListAsync($"/api/admin/audit?entityType=CatalogEntry&entityId={model}");
        Assert.Equal(2, audit.Count);
    }

    [Fact]
    public async Task BadPrices_AreRefusedWithAMessage_AndNothingIsSaved()
    {
        var admin = fixture.Router.Admin();
        var model = Model();

        var negative = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = -1, outputPerMTok = 15 }, HttpStatusCode.BadRequest);
        var tooPrecise = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = 3.0000001, outputPerMTok = 15 }, HttpStatusCode.BadRequest);
        var badTier = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}",
            new { inputPerMTok = 3, outputPerMTok = 15, longContext = new { thresholdTokens = 0, inputPerMTok = 6 } }, HttpStatusCode.BadRequest);
        using var comma = await admin.Http.PutAsync($"/api/admin/catalog/{model}",
            new StringContent("""{"inputPerMTok":"3,1","outputPerMTok":15}""", Encoding.UTF8, "application/json"));

        Assert.Contains("cannot be negative", negative["errors"]!["inputPerMTok"]![0]!.GetValue<string>());
        Assert.Contains("at most 6 decimals", tooPrecise["errors"]!["inputPerMTok"]![0]!.GetValue<string>());
        Assert.NotNull(badTier["errors"]!["longContext.thresholdTokens"]);
        Assert.NotNull(badTier["errors"]!["longContext.outputPerMTok"]);
        Assert.Equal(HttpStatusCode.BadRequest, comma.StatusCode);
        Assert.DoesNotContain(await admin.ListAsync("/api/admin/catalog"), e => e!["model"]!.GetValue<string>() == model);
    }

    [Fact]
    public async Task ABackdatedChange_IsRefused_ButAFutureOneIsKeptBesideTheSheetInForce()
    {
        var admin = fixture.Router.Admin();
        var model = Model();
        var now = fixture.Router.Clock.GetUtcNow();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = 3, outputPerMTok = 15 });

        var backdated = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = 2, outputPerMTok = 15, effectiveFrom = now.AddDays(-1) }, HttpStatusCode.BadRequest);
        var future = await admin.SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = 2, outputPerMTok = 15, effectiveFrom = now.AddDays(30) });

        Assert.Contains("cannot be backdated", backdated["errors"]!["effectiveFrom"]![0]!.GetValue<string>());
        Assert.Equal(3m, future["inputPerMTok"]!.GetValue<decimal>()); // still the sheet in force today
        Assert.Equal([3m, 2m], future["history"]!.AsArray().Select(h => h!["inputPerMTok"]!.GetValue<decimal>()));
    }

    [Fact]
    public void PriceText_AcceptsOneInvariantFormat_AndRefusesTheRestWithAMessage()
    {
        Assert.Null(PriceText.TryParse("3.10", required: true, out var value));
        Assert.Equal(3.10m, value);
        Assert.Null(PriceText.TryParse(" 0.000001 ", required: true, out value));
        Assert.Equal(0.000001m, value);
        Assert.Null(PriceText.TryParse("", required: false, out value));
        Assert.Null(value);
        Assert.Contains("dot", PriceText.Check("3,1", required: true));
        Assert.Contains("dot", PriceText.Check("1,000.50", required: true));
        Assert.Contains("negative", PriceText.Check("-1", required: true));
        Assert.Contains("required", PriceText.Check(" ", required: true));
        foreach (var bad in new[] { "3.", ".5", "1e3", "3.1234567", "$3", "3 10", "٣", "1234567" })
            Assert.NotNull(PriceText.Check(bad, required: true));
        Assert.Null(PriceText.TryParseTokens("200000", required: true, out var tokens));
        Assert.Equal(200_000L, tokens);
        Assert.NotNull(PriceText.TryParseTokens("200,000", required: true, out _));
        Assert.Equal("3.10", PriceText.Format(3.1m));
        Assert.Equal("$0.125", PriceText.Usd(0.125m));
    }

    [Fact]
    public async Task ExistingCatalogEntries_MigrateUnchanged_IntoOneSheetEach()
    {
        var path = Path.Combine(Path.GetTempPath(), "agentrouter-tests", $"migrate-{Guid.NewGuid():N}.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={path};Pooling=false").Options;
        try
        {
            await using (var db = new AppDbContext(options))
            {
                await db.GetService<IMigrator>().MigrateAsync("BudgetAlerts");
                var updated = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero).UtcTicks;
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO "Catalog" ("Model", "InputPerMTok", "OutputPerMTok", "CacheWritePerMTok", "CacheReadPerMTok", "ContextWindow", "MaxOutputTokens", "UpdatedAt")
                    VALUES ('claude-sonnet-4-5-20250929', '3.0', '15.0', '3.75', '0.3', 200000, 64000, {updated})
                    """);
                await db.Database.MigrateAsync();
            }
            await using (var db = new AppDbContext(options))
            {
                var entry = await db.Catalog.Include(e => e.Prices).SingleAsync();
                var sheet = Assert.Single(entry.Prices).ToSheet();
                Assert.Equal(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero), sheet.EffectiveFrom);
                Assert.Equal(new TokenRates(3m, 15m, 3.75m, 3.75m, 0.30m), sheet.Rates);
                Assert.Equal((200_000, 64_000, (LongContextTier?)null, 0m), (entry.ContextWindow, entry.MaxOutputTokens, sheet.LongContext, sheet.WebSearchPer1K));
                // Costed exactly as before: 1M input, 1M output, 1M cache writes, 1M cache reads.
                Assert.Equal(22.05m, sheet.Cost(new AgentRouter.Web.Gateway.TokenUsage { Input = 1_000_000, Output = 1_000_000, CacheWrite = 1_000_000, CacheRead = 1_000_000 }).Usd);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(path);
        }
    }
}
