using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRouter.Web.Tests.Hosting;

/// <summary>The embedded store's connection settings and its background checkpoint.</summary>
public sealed class SqliteStoreTests
{
    [Fact]
    public async Task EveryConnection_CommitsWithoutFsync_JournalsStatementsInMemory_AndLeavesCheckpointsToTheBackground()
    {
        await using var router = new RouterFactory();
        var factory = router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();

        Assert.Equal(1L, await PragmaAsync(db, "synchronous")); // NORMAL
        Assert.Equal(2L, await PragmaAsync(db, "temp_store")); // MEMORY
        Assert.Equal(10_000L, await PragmaAsync(db, "wal_autocheckpoint"));
        await using (var command = db.Database.GetDbConnection().CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", await command.ExecuteScalarAsync());
        }
        Assert.Single(router.Services.GetServices<IHostedService>().OfType<SqliteCheckpointer>());
    }

    [Fact]
    public async Task Checkpoint_CopiesTheWholeLogIntoTheDatabase_WhileNothingReadsAnOlderSnapshot()
    {
        var directory = Directory.CreateTempSubdirectory("agentrouter-checkpoint-").FullName;
        try
        {
            var builder = new DbContextOptionsBuilder<AppDbContext>();
            StoreProvider.Use(builder, new DataOptions { ConnectionString = $"Data Source={Path.Combine(directory, "store.db")}" }, directory)
                .AddInterceptors(SqliteConnectionPragmas.Instance);
            var options = builder.Options;
            await using (var db = new AppDbContext(options))
            {
                await db.Database.OpenConnectionAsync();
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
                await db.Database.MigrateAsync();
                for (var i = 0; i < 50; i++)
                    db.Teams.Add(new AgentRouter.Web.Teams.Team { Name = $"Team {i}", Slug = $"team-{i}" });
                await db.SaveChangesAsync();
            }
            var checkpointer = new SqliteCheckpointer(new Factory(options), TimeProvider.System, NullLogger<SqliteCheckpointer>.Instance);

            var (log, copied) = await checkpointer.CheckpointAsync(CancellationToken.None);

            Assert.True(log > 0, "the migration and the inserts were written to the log, below the connections' own threshold");
            Assert.Equal(log, copied);
            await using var check = new AppDbContext(options);
            Assert.Equal(50, await check.Teams.CountAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<long> PragmaAsync(AppDbContext db, string name)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class Factory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}
