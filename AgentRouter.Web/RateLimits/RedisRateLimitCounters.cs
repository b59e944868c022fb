using System.Globalization;
using AgentRouter.Web.Redis;
using StackExchange.Redis;

namespace AgentRouter.Web.RateLimits;

/// <summary>Rate-limit counters in Redis, so every replica counts against the same limits. Each counter is a hash
/// (<c>w</c> its window, <c>v</c> its value); a charge and an adjustment are each one Lua script, all or none, with the
/// same rules as <see cref="InProcessRateLimitCounters"/>. Per-minute counters expire two minutes after they were last
/// charged, concurrency counters an hour after (a replica that dies holding a slot frees it then).</summary>
/// <remarks>When Redis cannot be reached, each replica counts in its own process until it is back (rate limits then
/// hold per replica, not across them); budgets, not rate limits, are what fail closed.</remarks>
public sealed class RedisRateLimitCounters(RedisConnection redis, ILogger<RedisRateLimitCounters> logger) : IRateLimitCounters
{
    // KEYS: one counter per charge. ARGV: per charge window, amount, limit, expiry seconds.
    // Returns {-1, level1, window1, …} or {index (0-based), level before}.
    private static readonly LuaScript ChargeScript = LuaScript.Prepare("""
        local state = {}
        local out = {-1}
        for i = 1, #KEYS do
          local k = KEYS[i]
          local s = state[k]
          if not s then
            local v = redis.call('HMGET', k, 'w', 'v')
            s = {tonumber(v[1]) or 0, tonumber(v[2]) or 0}
            state[k] = s
          end
          local base = (i - 1) * 4
          local window = tonumber(ARGV[base + 1])
          local amount = tonumber(ARGV[base + 2])
          if window > s[1] then s[1] = window; s[2] = 0 end
          if amount > 0 and s[2] + amount > tonumber(ARGV[base + 3]) then return {i - 1, s[2]} end
          s[2] = s[2] + amount
          out[#out + 1] = s[2]
          out[#out + 1] = s[1]
        end
        for i = 1, #KEYS do
          local s = state[KEYS[i]]
          redis.call('HSET', KEYS[i], 'w', s[1], 'v', s[2])
          redis.call('EXPIRE', KEYS[i], ARGV[(i - 1) * 4 + 4])
        end
        return out
        """);

    // KEYS: counters. ARGV: per charge window, amount.
    private static readonly LuaScript AdjustScript = LuaScript.Prepare("""
        for i = 1, #KEYS do
          local v = redis.call('HMGET', KEYS[i], 'w', 'v')
          if v[1] and tonumber(v[1]) == tonumber(ARGV[2 * i - 1]) then
            local n = (tonumber(v[2]) or 0) + tonumber(ARGV[2 * i])
            if n < 0 then n = 0 end
            redis.call('HSET', KEYS[i], 'v', n)
          end
        end
        return 1
        """);

    private readonly InProcessRateLimitCounters _fallback = new();

    public async ValueTask<int> TryChargeAsync(CounterCharge[] charges)
    {
        var keys = new RedisKey[charges.Length];
        var arguments = new RedisValue[charges.Length * 4];
        for (var i = 0; i < charges.Length; i++)
        {
            keys[i] = Key(charges[i].Counter);
            arguments[4 * i] = charges[i].Window;
            arguments[4 * i + 1] = charges[i].Amount;
            arguments[4 * i + 2] = charges[i].Limit;
            arguments[4 * i + 3] = charges[i].Counter.Metric == RateMetric.Concurrent ? 3600 : 120;
        }
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(ChargeScript.ExecutableScript, keys, arguments))!;
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            logger.LogWarning("Rate-limit counters in Redis unreachable; counting in this replica: {Message}", ex.Message);
            return await _fallback.TryChargeAsync(charges);
        }
        var refused = (int)result[0];
        if (refused >= 0)
        {
            charges[refused].Level = (long)result[1];
            return refused;
        }
        for (var i = 0; i < charges.Length; i++)
            (charges[i].Level, charges[i].Window) = ((long)result[1 + 2 * i], (long)result[2 + 2 * i]);
        return -1;
    }

    public async ValueTask AdjustAsync(CounterCharge[] charges)
    {
        var keys = new RedisKey[charges.Length];
        var arguments = new RedisValue[charges.Length * 2];
        for (var i = 0; i < charges.Length; i++)
        {
            keys[i] = Key(charges[i].Counter);
            arguments[2 * i] = charges[i].Window;
            arguments[2 * i + 1] = charges[i].Amount;
        }
        try
        {
            await redis.Database.ScriptEvaluateAsync(AdjustScript.ExecutableScript, keys, arguments);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            logger.LogWarning("Adjusting rate-limit counters in Redis failed: {Message}", ex.Message);
            await _fallback.AdjustAsync(charges);
        }
    }

    private RedisKey Key(CounterId counter) =>
        redis.Key(string.Create(CultureInfo.InvariantCulture, $"rate:{counter.Scope}:{counter.Owner:N}:{counter.Metric}"));
}
