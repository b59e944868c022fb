using AgentRouter.Web.Data;
using AgentRouter.Web.Redis;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace AgentRouter.Web.Gateway;

/// <summary>Tells the other replicas that the policy changed, and hands them this process's notifications. One process
/// needs none (<see cref="InProcessPolicyNotifier"/>); replicas use Redis pub/sub or PostgreSQL LISTEN/NOTIFY.</summary>
public interface IPolicyNotifier
{
    /// <summary>Announces a committed change. Best effort: a replica that misses it catches up at its next version check.</summary>
    Task PublishAsync(CancellationToken cancellationToken);

    /// <summary>Listens until <paramref name="cancellationToken"/> fires, calling <paramref name="changed"/> on each
    /// notification from another process; reconnects by itself.</summary>
    Task ListenAsync(Func<Task> changed, CancellationToken cancellationToken);
}

/// <summary>One process: the save itself rebuilds the snapshot, so there is nobody to tell.</summary>
internal sealed class InProcessPolicyNotifier : IPolicyNotifier
{
    public Task PublishAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ListenAsync(Func<Task> changed, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Redis pub/sub on <c>{prefix}policy</c>; the message is the publishing process's id, so it skips its own.</summary>
internal sealed class RedisPolicyNotifier(RedisConnection redis, ILogger<RedisPolicyNotifier> logger) : IPolicyNotifier
{
    private readonly string _self = Guid.NewGuid().ToString("N");
    private RedisChannel Channel => RedisChannel.Literal(redis.Key("policy"));

    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.Multiplexer.GetSubscriber().PublishAsync(Channel, _self);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            logger.LogWarning("Could not announce a policy change over Redis ({Message}); other replicas pick it up at their next version check", ex.Message);
        }
    }

    public async Task ListenAsync(Func<Task> changed, CancellationToken cancellationToken)
    {
        // The multiplexer resubscribes after a reconnect by itself.
        var queue = await redis.Multiplexer.GetSubscriber().SubscribeAsync(Channel);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = await queue.ReadAsync(cancellationToken);
                if (message.Message != _self)
                    await changed();
            }
        }
        finally
        {
            await queue.UnsubscribeAsync();
        }
    }
}

/// <summary>PostgreSQL <c>NOTIFY agentrouter_policy</c> (delivered at commit) on a connection of its own, when there is
/// no Redis.</summary>
internal sealed class PostgresPolicyNotifier(IOptions<DataOptions> data, TimeProvider clock, ILogger<PostgresPolicyNotifier> logger) : IPolicyNotifier
{
    private const string ChannelName = "agentrouter_policy";
    private readonly string _self = Guid.NewGuid().ToString("N");

    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(data.Value.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @self)", connection);
            notify.Parameters.AddWithValue("channel", ChannelName);
            notify.Parameters.AddWithValue("self", _self);
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Could not announce a policy change over PostgreSQL ({Message}); other replicas pick it up at their next version check", ex.Message);
        }
    }

    public async Task ListenAsync(Func<Task> changed, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(data.Value.ConnectionString);
                var pending = false;
                connection.Notification += (_, e) => pending |= e.Payload != _self;
                await connection.OpenAsync(cancellationToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {ChannelName}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                // Changes while we were not listening are caught here rather than waiting for the version check.
                await changed();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                    if (pending)
                    {
                        pending = false;
                        await changed();
                    }
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Listening for policy changes on PostgreSQL failed ({Message}); retrying", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, cancellationToken);
            }
        }
    }
}

/// <summary>Keeps this replica's snapshot current: reloads on every notification from another replica, and checks
/// the store's policy stamp every <see cref="GatewayOptions.PolicyCheckInterval"/> in case a notification was lost
/// (a notifier that is down never stops the gateway: the last good snapshot keeps serving).</summary>
internal sealed class PolicySync(
    PolicyCache cache, IPolicyNotifier notifier, IDbContextFactory<AppDbContext> factory, IOptions<GatewayOptions> options,
    TimeProvider clock, ILogger<PolicySync> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), CheckAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await notifier.ListenAsync(() => ReloadAsync("notification", stoppingToken), stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Policy notifications stopped; retrying (version checks continue)");
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task CheckAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PolicyCheckInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var db = await factory.CreateDbContextAsync(stoppingToken);
                    var stamp = await db.PolicyVersions.AsNoTracking().Where(v => v.Id == PolicyVersion.SingletonId).Select(v => v.Stamp).FirstOrDefaultAsync(stoppingToken);
                    if (stamp != cache.Stamp)
                        await ReloadAsync("version check", stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning("Policy version check failed ({Message}); the current policy keeps serving", ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReloadAsync(string why, CancellationToken cancellationToken)
    {
        try
        {
            await cache.ReloadAsync(cancellationToken);
            logger.LogDebug("Policy reloaded after a {Why}", why);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // PolicyCache logged it and kept the last good snapshot.
        }
    }
}
