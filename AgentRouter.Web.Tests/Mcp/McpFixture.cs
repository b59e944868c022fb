using System.Net;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary>One router and two real MCP servers on loopback ports, shared by a test class.</summary>
public sealed class McpFixture : IAsyncLifetime
{
    private static int _counter;

    public RouterFactory Router { get; } = new();
    public FakeMcpServer GitHub { get; private set; } = null!;
    public FakeMcpServer Jira { get; private set; } = null!;

    /// <summary>A server of the 2026-07-28 revision: no initialize, no sessions.</summary>
    public FakeMcpServer Stateless { get; private set; } = null!;
    public McpCallLog Calls { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        GitHub = await FakeMcpServer.StartAsync("github");
        Jira = await FakeMcpServer.StartAsync("jira");
        Stateless = await FakeMcpServer.StartAsync("tickets", stateless: true);
        Router.EnsureStarted();
        Calls = new McpCallLog(Router.Services.GetRequiredService<McpCallRecorder>());
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await GitHub.DisposeAsync();
        await Jira.DisposeAsync();
        await Stateless.DisposeAsync();
    }

    /// <summary>Registers a fake with a fresh bearer secret under a fresh name; the fake then accepts only that secret.</summary>
    public async Task<RegisteredServer> RegisterAsync(FakeMcpServer fake, string kind = "bearer", string? header = null)
    {
        var admin = Router.Admin();
        var name = $"{fake.State.Name}-{Interlocked.Increment(ref _counter)}";
        var secret = $"org-{fake.State.Name}-secret-{Guid.NewGuid():N}";
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name, url = fake.Url, auth = new { kind, header, secret } }, HttpStatusCode.Created);
        fake.State.ExpectedCredential = kind == "bearer" ? ("authorization", "Bearer " + secret) : (header!, secret);
        return new RegisteredServer(created["id"]!.GetValue<Guid>(), name, secret, fake);
    }

    /// <summary>A team granted the given servers (null tools = every tool), with a developer and a key.</summary>
    public async Task<McpScenario> ScenarioAsync(params (RegisteredServer Server, string[]? Tools)[] grants)
    {
        var admin = Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        await GrantAsync(teamId, grants);
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (keyId, key) = await admin.CreateKeyAsync(teamId, developerId);
        return new McpScenario(admin, teamId, slug, developerId, keyId, key);
    }

    public Task GrantAsync(Guid teamId, params (RegisteredServer Server, string[]? Tools)[] grants) =>
        Router.Admin().SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile",
            new { models = Array.Empty<object>(), mcpServers = grants.Select(g => new { serverId = g.Server.Id, tools = g.Tools }) });

    /// <summary>A stock MCP client (Streamable HTTP) talking to the router in memory, with the key as a bearer token.</summary>
    public async Task<McpClient> ConnectAsync(string path, string key, McpClientOptions? options = null)
    {
        var http = Router.Gateway();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(http.BaseAddress!, path),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
        }, http, null, true);
        return await McpClient.CreateAsync(transport, options, null, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30));
    }
}

public sealed record RegisteredServer(Guid Id, string Name, string Secret, FakeMcpServer Fake);

public sealed record McpScenario(AdminClient Admin, Guid TeamId, string Slug, Guid DeveloperId, Guid KeyId, string Key);

/// <summary>Every MCP call record the writer committed, awaitable by a condition (no sleeping, no polling).</summary>
public sealed class McpCallLog
{
    private readonly Lock _gate = new();
    private readonly List<McpCallRecord> _records = [];
    private readonly List<(Func<McpCallRecord, bool> Match, TaskCompletionSource<McpCallRecord> Done)> _waiters = [];

    public McpCallLog(McpCallRecorder recorder) => recorder.Persisted += batch =>
    {
        lock (_gate)
        {
            foreach (var record in batch)
            {
                _records.Add(record);
                foreach (var waiter in _waiters.Where(w => w.Match(record)).ToList())
                {
                    waiter.Done.TrySetResult(record);
                    _waiters.Remove(waiter);
                }
            }
        }
    };

    public Task<McpCallRecord> For(Func<McpCallRecord, bool> match)
    {
        lock (_gate)
        {
            if (_records.FirstOrDefault(match) is { } found)
                return Task.FromResult(found);
            var done = new TaskCompletionSource<McpCallRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(15));
        }
    }
}
