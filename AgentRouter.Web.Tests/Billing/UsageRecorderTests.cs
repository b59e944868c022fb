using System.Net;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

public sealed class UsageRecorderTests
{
    [Fact]
    public async Task Shutdown_DrainsEveryAcceptedRecordToTheStore()
    {
        await using var fake = await FakeProvider.StartAsync(FakeDialect.OpenAI);
        var router = new RouterFactory();
        var admin = router.Admin();
        var providerId = await admin.CreateProviderAsync("openai", fake.BaseUrl, "sk-x");
        await admin.PriceAsync("gpt-drain");
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("gpt", providerId, "gpt-drain"));
        var (_, key) = await admin.CreateKeyAsync(teamId, null);
        var client = router.Gateway();

        var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(_ => client.SendAsync(Requests.OpenAI(key, Requests.Chat("gpt")))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var requestIds = responses.Select(r => r.Headers.GetValues("x-agentrouter-request-id").Single()).ToHashSet();
        var dataDirectory = router.DataDirectory;
        await router.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHost>().StopAsync();

        var options = new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={Path.Combine(dataDirectory, "agentrouter.db")}").Options;
        await using (var db = new AppDbContext(options))
        {
            var stored = await db.Usage.Where(u => u.TeamId == teamId).Select(u => u.RequestId).ToListAsync();
            Assert.Equal(requestIds.OrderBy(x => x), stored.OrderBy(x => x));
        }
        SqliteConnection.ClearAllPools();
        await router.DisposeAsync();
    }

    /// <summary>A store of the given kind with the product's schema: a SQLite file, or a fresh PostgreSQL database.</summary>
    private static async Task<(DbContextOptions<AppDbContext> Options, Func<Task> Drop)> StoreAsync(string provider)
    {
        DataOptions data;
        Func<Task> drop;
        if (provider == "PostgreSQL")
        {
            var connectionString = await ScaleServices.CreateDatabaseAsync();
            data = new DataOptions { Provider = DataProvider.PostgreSQL, ConnectionString = connectionString };
            drop = () => ScaleServices.DropDatabaseAsync(connectionString);
        }
        else
        {
            var directory = Directory.CreateTempSubdirectory("agentrouter-usage-").FullName;
            data = new DataOptions { ConnectionString = $"Data Source={Path.Combine(directory, "usage.db")}" };
            drop = () =>
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
                return Task.CompletedTask;
            };
        }
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        StoreProvider.Use(builder, data, Path.GetTempPath());
        await using (var db = new AppDbContext(builder.Options))
            await db.Database.MigrateAsync();
        return (builder.Options, drop);
    }

    private static UsageRecord Sample(string requestId, bool optionalsSet, Guid team) => new()
    {
        At = new DateTimeOffset(2026, 11, 26, 15, 4, 5, 678, TimeSpan.Zero).AddTicks(9), RequestId = requestId,
        TeamId = team, DeveloperId = optionalsSet ? Guid.NewGuid() : null, ApiKeyId = Guid.NewGuid(), Agent = "claude-code",
        SessionId = optionalsSet ? "session-1" : null, Surface = "anthropic.messages", RequestedModel = "claude-sonnet-4-5",
        UpstreamModel = optionalsSet ? "claude-sonnet-4-5-20250929" : null, ProviderAccountId = optionalsSet ? Guid.NewGuid() : null,
        Billing = UsageBilling.Passthrough, Status = 200, InputTokens = 472, OutputTokens = 312, CacheWriteTokens = 1024,
        CacheReadTokens = 20480, ReasoningTokens = 7, CostUsd = 0.012345678m, LatencyMs = 12, TimeToFirstByteMs = optionalsSet ? 3 : null,
        Streamed = true, Error = optionalsSet ? "client_disconnected" : null,
    };

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task Writer_StoresEveryColumnExactlyAsSaveChangesDoes(string provider)
    {
        var (options, drop) = await StoreAsync(provider);
        var team = Guid.NewGuid();
        foreach (var optionalsSet in new[] { true, false })
        {
            var viaSaveChanges = Sample("req_ef" + optionalsSet, optionalsSet, team);
            var viaWriter = Sample("req_writer" + optionalsSet, optionalsSet, team);
            (viaWriter.DeveloperId, viaWriter.ApiKeyId, viaWriter.ProviderAccountId) = (viaSaveChanges.DeveloperId, viaSaveChanges.ApiKeyId, viaSaveChanges.ProviderAccountId);
            await using (var db = new AppDbContext(options))
            {
                db.Usage.Add(viaSaveChanges);
                await db.SaveChangesAsync();
            }
            var recorder = new UsageRecorder(new Factory(options), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UsageRecorder>.Instance);
            await recorder.StartAsync(CancellationToken.None);
            await recorder.RecordAsync(viaWriter);
            await recorder.StopAsync(CancellationToken.None);

            Assert.True(viaWriter.Id > viaSaveChanges.Id);
            await using var store = new AppDbContext(options);
            var connection = store.Database.GetDbConnection();
            await connection.OpenAsync();
            var rows = new List<Dictionary<string, string>>();
            foreach (var id in new[] { viaSaveChanges.Id, viaWriter.Id })
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"Usage\" WHERE \"Id\" = {id}";
                await using var reader = await command.ExecuteReaderAsync();
                Assert.True(await reader.ReadAsync());
                rows.Add(Enumerable.Range(0, reader.FieldCount).Where(i => reader.GetName(i) is not ("Id" or "RequestId"))
                    .ToDictionary(reader.GetName, i => $"{reader.GetDataTypeName(i)}:{(reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))}"));
            }
            Assert.Equal(rows[0], rows[1]);
        }
        await drop();
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task ARetriedBatch_NeverStoresARequestTwice(string provider)
    {
        var (options, drop) = await StoreAsync(provider);
        var team = Guid.NewGuid();
        var recorder = new UsageRecorder(new Factory(options), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UsageRecorder>.Instance);
        await recorder.StartAsync(CancellationToken.None);
        // The same request ids again, as a retry whose first commit went through unacknowledged would send them.
        foreach (var requestId in new[] { "req_a", "req_b", "req_a", "req_c", "req_b" })
            await recorder.RecordAsync(Sample(requestId, optionalsSet: true, team));
        await recorder.StopAsync(CancellationToken.None);

        await using var db = new AppDbContext(options);
        var stored = await db.Usage.Where(u => u.TeamId == team).Select(u => u.RequestId).ToListAsync();
        Assert.Equal(["req_a", "req_b", "req_c"], stored.Order());
        await drop();
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("PostgreSQL")]
    public async Task BatchesOfAnySize_StoreEveryRecordOnce_AndGiveEachItsStoredId(string provider)
    {
        var (options, drop) = await StoreAsync(provider);
        var team = Guid.NewGuid();
        var recorder = new UsageRecorder(new Factory(options), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<UsageRecorder>.Instance);
        var committed = 0;
        var firstRound = new TaskCompletionSource();
        recorder.Persisted += batch =>
        {
            if (Interlocked.Add(ref committed, batch.Count) == 203)
                firstRound.TrySetResult();
        };
        await recorder.StartAsync(CancellationToken.None);
        // 203 = 64 + 64 + 64 + 8 + 2 + 1 when they form one batch on PostgreSQL; then a second round on the same writer, whose
        // statements were built on an earlier connection, with a request id repeated inside it and one from round one.
        var first = Enumerable.Range(0, 203).Select(i => Sample($"req_{i:D3}", optionalsSet: i % 2 == 0, team)).ToList();
        foreach (var record in first)
            await recorder.RecordAsync(record);
        await firstRound.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = Enumerable.Range(0, 70).Select(i => Sample($"req_second_{i:D2}", optionalsSet: i % 3 == 0, team)).ToList();
        second[40].RequestId = second[10].RequestId;
        second[41].RequestId = first[5].RequestId;
        foreach (var record in second)
            await recorder.RecordAsync(record);
        await recorder.StopAsync(CancellationToken.None);

        await using var db = new AppDbContext(options);
        var stored = await db.Usage.Where(u => u.TeamId == team).ToDictionaryAsync(u => u.Id, u => u.RequestId);
        Assert.Equal(203 + 68, stored.Count);
        foreach (var record in first.Concat(second).Where(r => r != second[40] && r != second[41]))
            Assert.Equal(record.RequestId, stored[record.Id]);
        // The repeated ids were not written again, and their records say so.
        Assert.Equal(0, second[40].Id);
        Assert.Equal(0, second[41].Id);
        Assert.Equal(first.Concat(second).Select(r => r.RequestId).Distinct().Order(), stored.Values.Order());
        await drop();
    }

    private sealed class Factory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }

    [Fact]
    public async Task FreshStoreWithoutAnAdminToken_WritesABootstrapTokenFile_ThatOpensTheAdminApi()
    {
        await using var router = new BootstrapRouterFactory();
        var client = router.Gateway();
        var path = Path.Combine(router.DataDirectory, "admin-token");

        var token = (await File.ReadAllTextAsync(path)).Trim();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        using var response = await client.GetAsync("/api/admin/teams");

        Assert.StartsWith("arat_", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    private sealed class BootstrapRouterFactory : RouterFactory
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("AGENTROUTER_ADMIN_TOKEN", "");
        }
    }
}
