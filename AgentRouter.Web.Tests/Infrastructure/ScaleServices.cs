using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace AgentRouter.Web.Tests.Infrastructure;

/// <summary>The PostgreSQL and Redis servers <c>test.sh</c> starts on loopback (see <c>deploy/test-services.sh</c>).</summary>
public static class ScaleServices
{
    public static string Postgres => Environment.GetEnvironmentVariable("AGENTROUTER_TEST_POSTGRES")
        ?? throw new InvalidOperationException("AGENTROUTER_TEST_POSTGRES is not set: run the tests through ./test.sh, which starts PostgreSQL and Redis.");

    public static string Redis => Environment.GetEnvironmentVariable("AGENTROUTER_TEST_REDIS")
        ?? throw new InvalidOperationException("AGENTROUTER_TEST_REDIS is not set: run the tests through ./test.sh, which starts PostgreSQL and Redis.");

    public static string RedisServer => Environment.GetEnvironmentVariable("AGENTROUTER_TEST_REDIS_SERVER") ?? "redis-server";

    /// <summary>A fresh, empty database on the test server; its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = "ar_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
            await create.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A Redis server of a test's own (throw-away folder, loopback, no persistence), so it can be stopped and
/// started again without disturbing other tests.</summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("agentrouter-redis").FullName;
    private Process? _process;

    public int Port { get; } = ScaleServices.FreePort();

    public string Connection => $"127.0.0.1:{Port}";

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(ScaleServices.RedisServer,
            ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _folder])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        // Ready when it says so on its log (bounded wait, no sleeping).
        var ready = Task.Run(async () =>
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                    break;
            _ = _process.StandardOutput.ReadToEndAsync();
        });
        await ready.WaitAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>Kills the server (SIGKILL): its data is gone, as after a crash without persistence.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
            return;
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>One router replica on PostgreSQL (and Redis, when given): its own host, data folder and clock, sharing
/// only the database and Redis with the other replicas. The Data Protection key ring is the store's, as in production.</summary>
public sealed class ReplicaFactory(string connectionString, string? redis, string keyPrefix, IReadOnlyDictionary<string, string>? settings = null)
    : RouterFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Data:Provider", "PostgreSQL");
        builder.UseSetting("Data:ConnectionString", connectionString);
        builder.UseSetting("Data:EphemeralKeys", "false");
        if (redis is not null)
        {
            builder.UseSetting("Redis:Connection", redis);
            builder.UseSetting("Redis:KeyPrefix", keyPrefix);
        }
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            builder.UseSetting(key, value);
    }
}

/// <summary>A router on PostgreSQL alone, with a database of its own (class fixture for store tests).</summary>
public sealed class PostgresRouterFactory : RouterFactory, IAsyncLifetime
{
    private string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not initialized.");

    public async ValueTask InitializeAsync() => _connectionString = await ScaleServices.CreateDatabaseAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Data:Provider", "PostgreSQL");
        builder.UseSetting("Data:ConnectionString", ConnectionString);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_connectionString is not null)
            await ScaleServices.DropDatabaseAsync(_connectionString);
    }
}
