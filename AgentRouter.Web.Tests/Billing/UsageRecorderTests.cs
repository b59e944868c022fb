using System.Net;
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
