using System.Collections.Concurrent;
using System.Text.Json;
using AgentRouter.Web.Redis;
using StackExchange.Redis;
using Session = AgentRouter.Web.Mcp.McpAggregator.Session;
using UpstreamLink = AgentRouter.Web.Mcp.McpAggregator.UpstreamLink;

namespace AgentRouter.Web.Mcp;

/// <summary>Where the aggregated endpoint's sessions live. In memory for one process
/// (<see cref="InProcessMcpSessionStore"/>); in Redis (<see cref="RedisMcpSessionStore"/>) so a session opened through
/// one replica continues through any other, upstream sessions included.</summary>
internal interface IMcpSessionStore
{
    /// <summary>Keeps a new session; false when no room can be made.</summary>
    ValueTask<bool> AddAsync(Session session);

    ValueTask<Session?> FindAsync(string id, McpAggregator owner);

    /// <summary>Ends a session; true if it existed.</summary>
    ValueTask<bool> RemoveAsync(string id);

    /// <summary>Marks a session as used now (idle sessions expire).</summary>
    ValueTask TouchAsync(Session session);

    ValueTask LinkOpenedAsync(Session session, Guid serverId, UpstreamLink link);

    ValueTask LinkForgottenAsync(Session session, Guid serverId);
}

/// <summary>Sessions in this process: at most 10,000; when full, those idle for half an hour make room.</summary>
internal sealed class InProcessMcpSessionStore(TimeProvider clock) : IMcpSessionStore
{
    private const int MaxSessions = 10_000;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public ValueTask<bool> AddAsync(Session session)
    {
        if (_sessions.Count >= MaxSessions && !EvictIdleSessions())
            return ValueTask.FromResult(false);
        _sessions[session.Id] = session;
        return ValueTask.FromResult(true);
    }

    public ValueTask<Session?> FindAsync(string id, McpAggregator owner) => ValueTask.FromResult(_sessions.GetValueOrDefault(id));

    public ValueTask<bool> RemoveAsync(string id) => ValueTask.FromResult(_sessions.TryRemove(id, out _));

    public ValueTask TouchAsync(Session session)
    {
        session.Touch(clock);
        return ValueTask.CompletedTask;
    }

    // The session object itself holds its links.
    public ValueTask LinkOpenedAsync(Session session, Guid serverId, UpstreamLink link) => ValueTask.CompletedTask;

    public ValueTask LinkForgottenAsync(Session session, Guid serverId) => ValueTask.CompletedTask;

    private bool EvictIdleSessions()
    {
        var cutoff = clock.GetUtcNow() - TimeSpan.FromMinutes(30);
        foreach (var (id, session) in _sessions)
            if (session.LastUsed < cutoff)
                _sessions.TryRemove(id, out _);
        return _sessions.Count < MaxSessions;
    }
}

/// <summary>Sessions in Redis: one hash per session (<c>{prefix}mcp:{id}</c>: the key it belongs to, the protocol
/// version, and one field per upstream session), expiring after 30 minutes without use.</summary>
internal sealed class RedisMcpSessionStore(RedisConnection redis, TimeProvider clock) : IMcpSessionStore
{
    private static readonly TimeSpan Idle = TimeSpan.FromMinutes(30);

    public async ValueTask<bool> AddAsync(Session session)
    {
        var key = Key(session.Id);
        var batch = redis.Database.CreateTransaction();
        _ = batch.HashSetAsync(key, [new("key", session.KeyId.ToString("N")), new("version", session.ProtocolVersion)]);
        _ = batch.KeyExpireAsync(key, Idle);
        await batch.ExecuteAsync();
        return true;
    }

    public async ValueTask<Session?> FindAsync(string id, McpAggregator owner)
    {
        var fields = await redis.Database.HashGetAllAsync(Key(id));
        if (fields.Length == 0)
            return null;
        var values = fields.ToDictionary(f => (string)f.Name!, f => (string)f.Value!);
        if (!values.TryGetValue("key", out var keyId) || !values.TryGetValue("version", out var version))
            return null;
        var links = values.Where(v => v.Key.StartsWith("link:", StringComparison.Ordinal))
            .Select(v => KeyValuePair.Create(Guid.ParseExact(v.Key["link:".Length..], "N"), JsonSerializer.Deserialize<UpstreamLink>(v.Value)!));
        return new Session(id, Guid.ParseExact(keyId, "N"), version, clock, this, links);
    }

    public async ValueTask<bool> RemoveAsync(string id) => await redis.Database.KeyDeleteAsync(Key(id));

    public async ValueTask TouchAsync(Session session) => await redis.Database.KeyExpireAsync(Key(session.Id), Idle);

    public async ValueTask LinkOpenedAsync(Session session, Guid serverId, UpstreamLink link) =>
        // Only into a session that still exists (a DELETE on another replica wins).
        await redis.Database.ScriptEvaluateAsync(
            "if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end return 1",
            [Key(session.Id)], [$"link:{serverId:N}", JsonSerializer.Serialize(link)]);

    public async ValueTask LinkForgottenAsync(Session session, Guid serverId) =>
        await redis.Database.HashDeleteAsync(Key(session.Id), $"link:{serverId:N}");

    private RedisKey Key(string id) => redis.Key("mcp:" + id);
}
