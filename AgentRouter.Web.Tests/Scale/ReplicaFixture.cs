using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Scale;

/// <summary>Two router replicas (separate hosts, data folders, clocks and caches) on one PostgreSQL database and one
/// Redis of their own, with a loopback Anthropic fake and a fake MCP server behind them.</summary>
public class ReplicaFixture : IAsyncLifetime
{
    /// <summary>Only notifications may carry policy changes in these tests: the safety-net check is pushed out of reach.</summary>
    protected virtual Dictionary<string, string> Settings => new()
    {
        ["Gateway:PolicyCheckInterval"] = "01:00:00",
        // Hangfire's storage is the shared database, as in production (no server: tests run jobs themselves).
        ["Jobs:Storage"] = "PostgreSQL",
    };

    public PrivateRedis Redis { get; } = new();
    public string ConnectionString { get; private set; } = "";
    public ReplicaFactory A { get; private set; } = null!;
    public ReplicaFactory B { get; private set; } = null!;
    public FakeProvider Fake { get; private set; } = null!;
    public FakeMcpServer Mcp { get; private set; } = null!;

    /// <summary>Serve through Kestrel on a loopback port instead of the in-memory test server (which does not let
    /// in-flight requests finish when the host stops).</summary>
    protected virtual bool Kestrel => false;

    public virtual async ValueTask InitializeAsync()
    {
        await Redis.StartAsync();
        ConnectionString = await ScaleServices.CreateDatabaseAsync();
        var prefix = $"test-{Guid.NewGuid():N}:";
        A = new ReplicaFactory(ConnectionString, Redis.Connection, prefix, Settings);
        B = new ReplicaFactory(ConnectionString, Redis.Connection, prefix, Settings);
        if (Kestrel)
        {
            A.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
            B.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
        }
        Fake = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        Mcp = await FakeMcpServer.StartAsync("github");
        // Both at once, on an empty database, as replicas of a fresh deployment start.
        await Task.WhenAll(Task.Run(A.EnsureStarted), Task.Run(B.EnsureStarted));
    }

    public virtual async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        await Fake.DisposeAsync();
        await Mcp.DisposeAsync();
        await Redis.DisposeAsync();
        await ScaleServices.DropDatabaseAsync(ConnectionString);
    }

    /// <summary>A team on <paramref name="through"/> approving one model on the fake, with a developer and a key; returns
    /// once the other replica knows the key.</summary>
    public async Task<ReplicaScenario> ScenarioAsync(ReplicaFactory through, string publicName = "claude-x", string upstream = "claude-x-1")
    {
        var admin = through.Admin();
        var providerKey = $"sk-org-{Guid.NewGuid():N}";
        var providerId = await admin.CreateProviderAsync("anthropic", Fake.BaseUrl, providerKey);
        await admin.PriceAsync(upstream);
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, (publicName, providerId, upstream));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (keyId, key) = await admin.CreateKeyAsync(teamId, developerId);
        var hash = KeyMaterial.Hash(key);
        await WhenPolicyAsync(Other(through), s => s.FindKey(hash) is not null);
        return new ReplicaScenario(admin, providerId, providerKey, teamId, slug, developerId, keyId, key, publicName, upstream);
    }

    public ReplicaFactory Other(ReplicaFactory replica) => replica == A ? B : A;

    /// <summary>Waits until <paramref name="replica"/>'s policy satisfies <paramref name="condition"/> (checked on every
    /// reload, bounded); returns how long that took.</summary>
    public static async Task<TimeSpan> WhenPolicyAsync(RouterFactory replica, Func<PolicySnapshot, bool> condition)
    {
        var started = Stopwatch.GetTimestamp();
        var cache = replica.Services.GetRequiredService<PolicyCache>();
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(PolicySnapshot snapshot)
        {
            if (condition(snapshot))
                met.TrySetResult();
        }
        cache.Reloaded += Check;
        try
        {
            Check(cache.Current);
            await met.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return Stopwatch.GetElapsedTime(started);
        }
        finally
        {
            cache.Reloaded -= Check;
        }
    }

    public static HttpRequestMessage Message(string key, string model, int maxTokens = 200, bool stream = false) =>
        Requests.Anthropic(key, new { model, max_tokens = maxTokens, stream, messages = new[] { new { role = "user", content = "hi" } } });

    /// <summary>A raw Streamable HTTP JSON-RPC call to <c>/mcp</c>.</summary>
    public static async Task<(HttpResponseMessage Response, string Body)> McpAsync(HttpClient client, string key, string? session, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (session is not null)
            request.Headers.Add("mcp-session-id", session);
        var response = await client.SendAsync(request);
        return (response, await response.Content.ReadAsStringAsync());
    }
}

/// <summary>Replicas behind real loopback sockets (graceful-stop tests).</summary>
public sealed class KestrelReplicaFixture : ReplicaFixture
{
    protected override bool Kestrel => true;
}

/// <summary>Replicas that admit against their own ledgers while Redis is away.</summary>
public sealed class FailOpenReplicaFixture : ReplicaFixture
{
    protected override Dictionary<string, string> Settings => new(base.Settings) { ["Redis:BudgetFailure"] = "Open" };
}

public sealed record ReplicaScenario(
    AdminClient Admin, Guid ProviderId, string ProviderKey, Guid TeamId, string Slug, Guid DeveloperId, Guid KeyId, string Key,
    string PublicName, string UpstreamModel);
