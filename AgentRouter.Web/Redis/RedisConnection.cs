using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRouter.Web.Redis;

/// <summary>The process's one connection to Redis (a multiplexer, shared by every feature). It connects in the
/// background and reconnects by itself; while it is down, commands fail at once instead of queueing, so callers can
/// answer (fail closed, or fall back) rather than hang.</summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _multiplexer;

    public RedisConnection(IOptions<RedisOptions> options, ILogger<RedisConnection> logger)
    {
        Options = options.Value;
        _multiplexer = new Lazy<ConnectionMultiplexer>(() =>
        {
            var configuration = ConfigurationOptions.Parse(Options.Connection!);
            configuration.AbortOnConnectFail = false;
            configuration.BacklogPolicy = BacklogPolicy.FailFast;
            configuration.AsyncTimeout = configuration.SyncTimeout = (int)Options.CommandTimeout.TotalMilliseconds;
            configuration.ConnectTimeout = Math.Min(configuration.ConnectTimeout, 5000);
            configuration.ClientName ??= "agentrouter";
            var multiplexer = ConnectionMultiplexer.Connect(configuration);
            multiplexer.ConnectionFailed += (_, e) => logger.LogWarning("Redis connection lost ({FailureType}): {Message}", e.FailureType, e.Exception?.Message);
            multiplexer.ConnectionRestored += (_, _) => logger.LogInformation("Redis connection restored");
            return multiplexer;
        });
    }

    public RedisOptions Options { get; }

    public ConnectionMultiplexer Multiplexer => _multiplexer.Value;

    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>A key or channel name under the configured prefix.</summary>
    public string Key(string name) => Options.KeyPrefix + name;

    /// <summary>Whether an exception means "Redis cannot be reached" (as opposed to a bug in a command).</summary>
    public static bool IsUnavailable(Exception ex) =>
        ex is RedisConnectionException or RedisTimeoutException or TimeoutException or ObjectDisposedException
        || (ex is RedisServerException server && server.Message.StartsWith("LOADING", StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer.IsValueCreated)
            await _multiplexer.Value.DisposeAsync();
    }
}

public static class RedisExtensions
{
    /// <summary>Redis options and, when <c>Redis:Connection</c> is set, the shared connection.</summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RedisOptions>, ValidateRedisOptions>();
        builder.Services.AddSingleton<RedisConnection>();
        return builder;
    }

    /// <summary>Whether this configuration scales out through Redis (features choose their shared implementation).</summary>
    public static bool UsesRedis(this IHostApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration[$"{RedisOptions.Section}:{nameof(RedisOptions.Connection)}"]);
}
