using System.Collections.Concurrent;
using System.Globalization;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Redis;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace AgentRouter.Web.Budgets;

/// <summary>Budget spend in Redis, so every replica admits against one budget. Each window of each scope is one hash
/// (<c>t</c>/<c>u</c> settled tokens and nano-dollars, <c>rt</c>/<c>ru</c> reserved, <c>g</c> the generation it was seeded
/// in) that expires an hour after its window ends. Admission and settlement are each one Lua script, so concurrent
/// requests on any replica never overspend beyond what was admitted.</summary>
/// <remarks>
/// A window that is not in Redis (first use, or Redis came back empty) is seeded from the store's usage records before
/// the request is admitted, once per window and process; the seed script only writes a hash nobody else seeded.
/// When Redis cannot be reached, <see cref="RedisFailureMode.Closed"/> refuses budgeted requests with a 503;
/// <see cref="RedisFailureMode.Open"/> admits against this process's <see cref="BudgetLedger"/> and, once Redis
/// answers again, adds what it settled meanwhile to the windows that survived (windows seeded afresh read it from the
/// store instead). A replica that dies between admit and settle leaves its reservation until the window ends.
/// </remarks>
public sealed class RedisBudgetLedger : IBudgetLedger
{
    private const decimal NanosPerUsd = 1_000_000_000m;
    private static readonly TimeSpan Grace = TimeSpan.FromHours(1);

    // KEYS: the distinct windows. ARGV: estimate tokens, estimate nano-USD, then per key its generation is returned;
    // then per budget: key index (1-based), token limit (-1 none), nano-USD limit (-1 none), 1 = block / 0 = warn.
    private static readonly LuaScript AdmitScript = LuaScript.Prepare("""
        local nkeys = #KEYS
        local missing = {}
        for i = 1, nkeys do
          if redis.call('HEXISTS', KEYS[i], 'g') == 0 then missing[#missing + 1] = i end
        end
        if #missing > 0 then return {'seed', unpack(missing)} end
        local est_t = tonumber(ARGV[1])
        local est_u = tonumber(ARGV[2])
        local spent = {}
        for i = 1, nkeys do
          local v = redis.call('HMGET', KEYS[i], 't', 'u', 'rt', 'ru', 'g')
          spent[i] = {(tonumber(v[1]) or 0) + (tonumber(v[3]) or 0), (tonumber(v[2]) or 0) + (tonumber(v[4]) or 0), v[5]}
        end
        local warned = 0
        local i = 3
        while i <= #ARGV do
          local s = spent[tonumber(ARGV[i])]
          local lt = tonumber(ARGV[i + 1])
          local lu = tonumber(ARGV[i + 2])
          local over_t = lt >= 0 and s[1] + est_t > lt
          local over_u = lu >= 0 and s[2] + est_u > lu
          if over_t or over_u then
            if ARGV[i + 3] == '1' then return {'refuse', (i - 3) / 4, over_t and 1 or 0} end
            warned = 1
          end
          i = i + 4
        end
        local out = {'ok', warned}
        for k = 1, nkeys do
          redis.call('HINCRBY', KEYS[k], 'rt', est_t)
          redis.call('HINCRBY', KEYS[k], 'ru', est_u)
          out[#out + 1] = tostring(spent[k][1] + est_t)
          out[#out + 1] = tostring(spent[k][2] + est_u)
          out[#out + 1] = spent[k][3]
        end
        return out
        """);

    // KEYS: the windows reserved in. ARGV: estimate tokens, estimate nano-USD, used tokens, used nano-USD, then each
    // key's generation at admission. A window reseeded since (Redis restarted) keeps no reservation of ours: only the
    // use is added. A window that is gone is left alone; it is seeded from the store when next used.
    private static readonly LuaScript SettleScript = LuaScript.Prepare("""
        for k = 1, #KEYS do
          local g = redis.call('HGET', KEYS[k], 'g')
          if g then
            if g == ARGV[4 + k] then
              redis.call('HINCRBY', KEYS[k], 'rt', -tonumber(ARGV[1]))
              redis.call('HINCRBY', KEYS[k], 'ru', -tonumber(ARGV[2]))
            end
            redis.call('HINCRBY', KEYS[k], 't', ARGV[3])
            redis.call('HINCRBY', KEYS[k], 'u', ARGV[4])
          end
        end
        return 1
        """);

    // KEYS[1]: one window. ARGV: generation, tokens, nano-USD, expiry (unix ms). Writes only an unseeded window.
    private static readonly LuaScript SeedScript = LuaScript.Prepare("""
        if redis.call('HEXISTS', KEYS[1], 'g') == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'g', ARGV[1], 't', ARGV[2], 'u', ARGV[3], 'rt', 0, 'ru', 0)
        redis.call('PEXPIREAT', KEYS[1], ARGV[4])
        return 1
        """);

    // KEYS: windows; ARGV: per key tokens and nano-USD counted by a process while Redis was away.
    private static readonly LuaScript ReconcileScript = LuaScript.Prepare("""
        for k = 1, #KEYS do
          if redis.call('HEXISTS', KEYS[k], 'g') == 1 then
            redis.call('HINCRBY', KEYS[k], 't', ARGV[2 * k - 1])
            redis.call('HINCRBY', KEYS[k], 'u', ARGV[2 * k])
          end
        end
        return 1
        """);

    private readonly RedisConnection _redis;
    private readonly BudgetLedger _local;
    private readonly IDbContextFactory<AppDbContext> _factory;
    private readonly TimeProvider _clock;
    private readonly ILogger<RedisBudgetLedger> _logger;
    private readonly ConcurrentDictionary<string, Lazy<Task>> _seeding = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (long Tokens, long Nanos)> _unreconciled = new(StringComparer.Ordinal);
    private int _reconciling;

    public RedisBudgetLedger(RedisConnection redis, BudgetLedger local, IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<RedisBudgetLedger> logger)
    {
        (_redis, _local, _factory, _clock, _logger) = (redis, local, factory, clock, logger);
        if (FailOpen)
            _redis.Multiplexer.ConnectionRestored += (_, _) => _ = ReconcileAsync();
    }

    public TimeZoneInfo Zone => _local.Zone;

    private bool FailOpen => _redis.Options.BudgetFailure == RedisFailureMode.Open;

    /// <summary>Spend counted in fail-open mode that has not reached Redis yet (windows).</summary>
    public int Unreconciled => _unreconciled.Count;

    public async ValueTask<Admission> AdmitAsync(TeamPolicy team, Guid scopeDeveloper, long estimatedTokens, decimal estimatedUsd)
    {
        if (team.Budgets.Count == 0)
            return Admission.Unlimited;
        var now = _clock.GetUtcNow();
        var windows = team.Budgets.Select(b => Locate(team, b, scopeDeveloper, now)).ToList();
        var keys = windows.Select(w => w.Key).Distinct(StringComparer.Ordinal).ToList();
        var arguments = new List<RedisValue>(2 + 4 * windows.Count) { estimatedTokens, Nanos(estimatedUsd) };
        for (var i = 0; i < windows.Count; i++)
        {
            var budget = team.Budgets[i];
            arguments.Add(keys.IndexOf(windows[i].Key) + 1);
            arguments.Add(budget.Tokens ?? -1);
            arguments.Add(budget.Usd is { } usd ? Nanos(usd) : -1);
            arguments.Add(budget.Mode == BudgetMode.Block ? 1 : 0);
        }
        var redisKeys = keys.Select(k => (RedisKey)k).ToArray();
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                var result = (RedisResult[])(await _redis.Database.ScriptEvaluateAsync(AdmitScript.ExecutableScript, redisKeys, [.. arguments]))!;
                switch ((string)result[0]!)
                {
                    case "seed" when attempt < 3:
                        await Task.WhenAll(result.Skip(1).Select(r => SeedOnceAsync(windows.First(w => w.Key == keys[(int)r - 1]), team)));
                        continue;
                    case "seed":
                        throw new TimeoutException("Budget windows in Redis vanished again right after being seeded (is Redis evicting keys or being flushed?).");
                    case "refuse":
                        var refused = team.Budgets[(int)result[1]];
                        return Admission.Refuse(refused, windows[(int)result[1]].Window, team.Slug, (int)result[2] == 1);
                }
                var warned = (int)result[1] == 1;
                var committed = keys.Select((k, i) => (Tokens: long.Parse((string)result[2 + 3 * i]!, CultureInfo.InvariantCulture),
                    Nanos: long.Parse((string)result[3 + 3 * i]!, CultureInfo.InvariantCulture), Generation: (string)result[4 + 3 * i]!)).ToList();
                long? remainingTokens = null;
                decimal? remainingUsd = null;
                for (var i = 0; i < windows.Count; i++)
                {
                    var spent = committed[keys.IndexOf(windows[i].Key)];
                    if (team.Budgets[i].Tokens is { } tokens)
                        remainingTokens = Math.Min(remainingTokens ?? long.MaxValue, Math.Max(0, tokens - spent.Tokens));
                    if (team.Budgets[i].Usd is { } usd)
                        remainingUsd = Math.Min(remainingUsd ?? decimal.MaxValue, Math.Max(0, usd - spent.Nanos / NanosPerUsd));
                }
                var ticket = new Ticket(redisKeys, committed.Select(c => (RedisValue)c.Generation).ToArray(), keys, false);
                return new Admission([], estimatedTokens, estimatedUsd, warned, null, remainingTokens, remainingUsd, ticket);
            }
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            if (!FailOpen)
            {
                _logger.LogWarning("Budget store (Redis) unreachable; refusing budgeted requests: {Message}", ex.Message);
                return Admission.NotChecked(
                    "Agent Router cannot check this team's budget right now: its budget store (Redis) is unreachable, and budgeted requests are refused until it is back rather than admitted unchecked. Retry shortly.");
            }
            _logger.LogWarning("Budget store (Redis) unreachable; admitting against this replica's own ledger: {Message}", ex.Message);
            var local = _local.Admit(team, scopeDeveloper, estimatedTokens, estimatedUsd);
            return local.Refusal is null ? local with { Ticket = new Ticket([], [], keys, true) } : local;
        }
    }

    public async ValueTask SettleAsync(Admission admission, long tokens, decimal usd)
    {
        if (admission.Ticket is not Ticket ticket)
        {
            _local.Settle(admission, tokens, usd);
            return;
        }
        if (ticket.FailedOpen)
        {
            _local.Settle(admission, tokens, usd);
            Remember(ticket.Names, tokens, Nanos(usd));
            return;
        }
        try
        {
            await _redis.Database.ScriptEvaluateAsync(SettleScript.ExecutableScript, ticket.Keys,
                [admission.EstimatedTokens, Nanos(admission.EstimatedUsd), tokens, Nanos(usd), .. ticket.Generations]);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            // The reservation stays until the window ends; the use is in the store and reaches Redis on the next seed.
            _logger.LogWarning("Settling a budget reservation in Redis failed: {Message}", ex.Message);
            if (FailOpen)
                Remember(ticket.Names, tokens, Nanos(usd));
        }
    }

    public (long Tokens, decimal Usd, BudgetWindow Window) Current(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper)
    {
        var (key, window) = Locate(team, budget, scopeDeveloper, _clock.GetUtcNow());
        try
        {
            var values = _redis.Database.HashGet(key, ["t", "u"]);
            return ((long?)values[0] ?? 0, ((long?)values[1] ?? 0) / NanosPerUsd, window);
        }
        catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
        {
            return _local.Current(team, budget, scopeDeveloper);
        }
    }

    /// <summary>Windows in Redis expire by themselves; this prunes the fail-open fallback.</summary>
    public int Prune() => _local.Prune();

    /// <summary>Redis windows are seeded on first use; the fail-open fallback is kept warm from the store.</summary>
    public Task SeedAsync(PolicySnapshot snapshot, CancellationToken cancellationToken) =>
        FailOpen ? _local.SeedAsync(snapshot, cancellationToken) : Task.CompletedTask;

    /// <summary>Adds what was settled while Redis was away to the windows that are still there.</summary>
    public async Task ReconcileAsync()
    {
        if (Interlocked.Exchange(ref _reconciling, 1) == 1)
            return;
        try
        {
            foreach (var name in _unreconciled.Keys)
            {
                if (!_unreconciled.TryRemove(name, out var counted))
                    continue;
                try
                {
                    await _redis.Database.ScriptEvaluateAsync(ReconcileScript.ExecutableScript, [name], [counted.Tokens, counted.Nanos]);
                }
                catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
                {
                    Remember([name], counted.Tokens, counted.Nanos);
                    return;
                }
            }
            _logger.LogInformation("Budget spend counted while Redis was away has been added to Redis");
        }
        finally
        {
            Volatile.Write(ref _reconciling, 0);
        }
    }

    private void Remember(IEnumerable<string> names, long tokens, long nanos)
    {
        foreach (var name in names)
            _unreconciled.AddOrUpdate(name, (tokens, nanos), (_, c) => (c.Tokens + tokens, c.Nanos + nanos));
    }

    private (string Key, BudgetWindow Window) Locate(TeamPolicy team, BudgetPolicy budget, Guid scopeDeveloper, DateTimeOffset now)
    {
        var window = BudgetWindow.For(budget.Cadence, now, Zone);
        var scopeId = budget.Scope == BudgetScope.Team ? team.TeamId : scopeDeveloper;
        // Keyed by usage, not by budget row: editing a profile's budgets keeps the window's spend (as in process).
        var key = _redis.Key(string.Create(CultureInfo.InvariantCulture,
            $"budget:{team.TeamId:N}:{budget.Scope}:{scopeId:N}:{budget.Cadence}:{window.Start.UtcTicks}"));
        return (key, window);
    }

    /// <summary>Seeds one window from the store, once per process at a time (a burst at midnight queries once).</summary>
    private Task SeedOnceAsync((string Key, BudgetWindow Window) target, TeamPolicy team)
    {
        var lazy = _seeding.GetOrAdd(target.Key, key => new Lazy<Task>(() => SeedAsync(key, target.Window, team)));
        return lazy.Value.ContinueWith(t =>
        {
            _seeding.TryRemove(KeyValuePair.Create(target.Key, lazy));
            return t;
        }, TaskScheduler.Default).Unwrap();
    }

    private async Task SeedAsync(string key, BudgetWindow window, TeamPolicy team)
    {
        // The key says which scope it is: budget:{team}:{scope}:{scopeId}:…
        var parts = key[_redis.Options.KeyPrefix.Length..].Split(':');
        var scope = Enum.Parse<BudgetScope>(parts[2]);
        var scopeId = Guid.ParseExact(parts[3], "N");
        await using var db = await _factory.CreateDbContextAsync();
        var usage = db.Usage.AsNoTracking().Where(u => u.TeamId == team.TeamId && u.At >= window.Start && u.At < window.End);
        if (!team.PassthroughCountsAgainstBudget)
            usage = usage.Where(u => u.Billing == UsageBilling.Central);
        if (scope == BudgetScope.Developer)
            usage = usage.Where(u => (u.DeveloperId ?? u.ApiKeyId) == scopeId);
        // Summed client-side: SQLite cannot sum decimals in SQL.
        var rows = await usage.Select(u => new { Tokens = u.InputTokens + u.OutputTokens + u.CacheWriteTokens + u.CacheReadTokens, u.CostUsd }).ToListAsync();
        var expiry = (window.End + Grace).ToUnixTimeMilliseconds();
        var seeded = (int)await _redis.Database.ScriptEvaluateAsync(SeedScript.ExecutableScript, [key],
            [Guid.NewGuid().ToString("N"), rows.Sum(r => r.Tokens), Nanos(rows.Sum(r => r.CostUsd)), expiry]);
        if (seeded == 1)
            _logger.LogInformation("Seeded budget window {Key} from the store ({Records} usage records)", key, rows.Count);
    }

    private static long Nanos(decimal usd) => (long)decimal.Round(usd * NanosPerUsd);

    /// <summary>Where an admission reserved: the Redis windows and their generations, or (failed open) the windows it
    /// must be added to once Redis is back.</summary>
    private sealed record Ticket(RedisKey[] Keys, RedisValue[] Generations, List<string> Names, bool FailedOpen);
}
