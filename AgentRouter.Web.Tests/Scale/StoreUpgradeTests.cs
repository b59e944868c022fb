using System.Net;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>An existing SQLite store (schema as it was before the scale-out migration, with data in it) is upgraded in
/// place when the new version starts, keeping its data.</summary>
public sealed class StoreUpgradeTests
{
    [Fact]
    public async Task ASqliteStoreFromBeforeTheScaleOut_UpgradesInPlace_AndKeepsItsUsage()
    {
        var directory = Directory.CreateTempSubdirectory("agentrouter-upgrade-").FullName;
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        StoreProvider.Use(builder, new DataOptions { ConnectionString = $"Data Source={Path.Combine(directory, "agentrouter.db")}" }, directory);
        string before;
        await using (var db = new AppDbContext(builder.Options))
        {
            var all = db.Database.GetMigrations().ToList();
            before = all[all.FindIndex(m => m.EndsWith("_ScaleOut", StringComparison.Ordinal)) - 1];
            await db.GetInfrastructure().GetRequiredService<IMigrator>().MigrateAsync(before);
            await db.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "Usage" ("At", "RequestId", "TeamId", "ApiKeyId", "Agent", "Surface", "Billing", "Status", "OverBudget",
                  "InputTokens", "OutputTokens", "CacheWriteTokens", "CacheReadTokens", "ReasoningTokens", "CostUsd", "LatencyMs", "Streamed")
                VALUES (638000000000000000, 'req_old', '0196a1b2-0000-7000-8000-000000000001', '0196a1b2-0000-7000-8000-000000000002',
                  'claude-code', 'anthropic.messages', 'Central', 200, 0, 10, 20, 0, 0, 0, '0.5', 12, 0)
                """);
        }
        SqliteConnection.ClearAllPools();

        await using var router = new RouterFactory(directory, keepData: false);
        using var response = await router.Admin().Http.GetAsync("/api/admin/usage?limit=10&from=2000-01-01T00:00:00Z");
        var applied = router.Services.GetRequiredService<StoreInitializer>().Applied;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("req_old", await response.Content.ReadAsStringAsync());
        Assert.Contains(applied, m => m.EndsWith("_ScaleOut", StringComparison.Ordinal));
        Assert.DoesNotContain(before, applied);
    }
}
