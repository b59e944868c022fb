using System.Diagnostics;
using System.Globalization;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Teams;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Bench.Console;

/// <summary>Writes a store with <c>count</c> usage records spread over the last 30 days (ending now) and the three
/// roll-up levels computed from the same records, as the roll-up job would leave them. Records go in with one prepared
/// statement in transactions of a million, without a journal (the store is thrown away if the run fails), in time order
/// as the gateway writes them, so every usage index (a low-cardinality column, then <c>At</c>) only ever appends at a
/// few hundred leaf pages that stay in the cache; the roll-ups are summed in memory in the same pass.</summary>
internal static class Generate
{
    private static readonly string[] Agents = ["claude-code", "codex-cli", "gemini-cli", "openai-sdk-python", "cursor"];

    private static readonly (string Requested, string Upstream, decimal In, decimal Out, int Account)[] Models =
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 3m, 15m, 0),
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001", 1m, 5m, 0),
        ("claude-opus-4-1", "claude-opus-4-1-20250805", 15m, 75m, 1),
        ("gpt-5", "gpt-5-2025-08-07", 1.25m, 10m, 2),
        ("gemini-2.5-pro", "gemini-2.5-pro", 1.25m, 10m, 3),
    ];

    private static readonly string[] Errors = ["upstream_timeout", "client_disconnected", "upstream_failed_mid_response", "budget_exceeded", "model_not_approved"];

    public static async Task RunAsync(string path, long count, int seed)
    {
        if (File.Exists(path))
            File.Delete(path);
        var connection = $"Data Source={path}";
        // The SQLite migrations set, as the product picks it.
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        StoreProvider.Use(builder, new DataOptions { ConnectionString = connection }, Path.GetTempPath());
        var options = builder.Options;
        var clock = Stopwatch.StartNew();
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var start = now.AddDays(-30);

        List<Team> teams;
        List<Developer> developers;
        List<ProviderAccount> accounts;
        await using (var db = new AppDbContext(options))
        {
            await db.Database.MigrateAsync();
            teams = Enumerable.Range(0, 40).Select(i => new Team { Name = $"Team {i:00}", Slug = $"team-{i:00}", CreatedAt = start }).ToList();
            developers = teams.SelectMany(t => Enumerable.Range(0, 10).Select(j => new Developer
                { Name = $"{t.Name} dev {j}", Email = $"{t.Slug}-dev{j}@bench.example", TeamId = t.Id, CreatedAt = start })).ToList();
            accounts = new[] { "anthropic-main", "anthropic-reserved", "openai-main", "gemini-main" }.Select(name => new ProviderAccount
                { Name = name, BaseUrl = "http://127.0.0.1:9", CreatedAt = start }).ToList();
            db.Teams.AddRange(teams);
            db.Developers.AddRange(developers);
            db.ProviderAccounts.AddRange(accounts);
            await db.SaveChangesAsync();
        }

        // Each developer works with one or two agents and two or three models; a third of the traffic comes from a
        // service agent's key per team.
        // A quarter of developers bring their own Claude subscription (passthrough).
        var habits = developers.Select(d => (Developer: (Guid?)d.Id, d.TeamId,
                Agents: Agents.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToArray(),
                Models: Enumerable.Range(0, Models.Length).OrderBy(_ => random.Next()).Take(random.Next(2, 4)).ToArray(), Passthrough: random.Next(4) == 0))
            .Concat(teams.Select(t => (Developer: (Guid?)null, TeamId: t.Id, Agents: new[] { "ci-bot" }, Models: new[] { 1, 3 }, Passthrough: false)))
            .ToArray();
        var keys = habits.Select(_ => Guid.CreateVersion7()).ToArray();

        await using var sqlite = new SqliteConnection(connection);
        await sqlite.OpenAsync();
        // A throw-away store: no journal, no fsync, one connection. (Dropping the indexes and building them afterwards,
        // as an earlier version did, sorts ten million entries per index: most of an hour on this machine.)
        await Exec(sqlite, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE; PRAGMA cache_size=-1000000;");

        var hourly = new Dictionary<(long Hour, int Habit, int Agent, int Model, bool Passthrough), Sums>();
        var daily = new Dictionary<(DateOnly Day, int Habit, int Agent, int Model, bool Passthrough), Sums>();
        var monthly = new Dictionary<(DateOnly Month, int Habit, int Agent, int Model, bool Passthrough), Sums>();
        var latency = new Dictionary<(long Hour, int Account, int Model), (LatencyHistogram Latency, LatencyHistogram FirstByte)>();

        var insert = sqlite.CreateCommand();
        insert.CommandText = """
            INSERT INTO Usage (At, RequestId, TeamId, DeveloperId, ApiKeyId, Agent, Surface, RequestedModel, UpstreamModel, ProviderAccountId,
                Billing, Status, OverBudget, InputTokens, OutputTokens, CacheWriteTokens, CacheReadTokens, ReasoningTokens, CostUsd, LatencyMs,
                TimeToFirstByteMs, Streamed, Error)
            VALUES ($at, $rid, $team, $dev, $key, $agent, 'anthropic', $req, $up, $acct, $billing, $status, 0, $in, $out, $cw, $cr, 0, $cost, $lat, $ttfb, $streamed, $error)
            """;
        string[] names = ["$at", "$rid", "$team", "$dev", "$key", "$agent", "$req", "$up", "$acct", "$billing", "$status", "$in", "$out", "$cw", "$cr", "$cost", "$lat", "$ttfb", "$streamed", "$error"];
        var p = names.ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
        var span = (now - start).Ticks;
        const int perTransaction = 1_000_000;
        var teamText = habits.Select(x => Text(x.TeamId)).ToArray();
        var developerText = habits.Select(x => x.Developer is { } d ? (object)Text(d) : DBNull.Value).ToArray();
        var keyText = keys.Select(Text).ToArray();
        var accountText = accounts.Select(a => Text(a.Id)).ToArray();
        var transaction = sqlite.BeginTransaction();
        insert.Transaction = transaction;
        insert.Prepare();
        for (long n = 0; n < count; n++)
        {
            // In time order, as the gateway writes them.
            var at = start.AddTicks((long)((Int128)span * n / count) + random.Next(0, 1000));
            var h = random.Next(habits.Length);
            var habit = habits[h];
            var agentIndex = random.Next(habit.Agents.Length);
            var modelIndex = habit.Models[random.Next(habit.Models.Length)];
            var model = Models[modelIndex];
            var roll = random.Next(1000);
            var (status, error) = roll switch
            {
                < 6 => (504, Errors[0]),
                < 10 => (200, Errors[1]),
                < 13 => (502, Errors[2]),
                < 18 => (429, Errors[3]),
                < 20 => (403, Errors[4]),
                _ => (200, (string?)null),
            };
            var refused = status is 403 or 429;
            var passthrough = habit.Passthrough && !refused && model.Requested.StartsWith("claude", StringComparison.Ordinal);
            var input = refused ? 0 : random.Next(200, 60_000);
            var output = refused ? 0 : random.Next(20, 4_000);
            var cacheRead = refused ? 0 : random.Next(0, 120_000);
            var cost = refused ? 0m : Math.Round((input * model.In + output * model.Out + cacheRead * model.In / 10) / 1_000_000m, 9);
            var streamed = random.Next(4) != 0;
            var latencyMs = refused ? random.Next(1, 5) : (int)(Math.Exp(random.NextDouble() * 3 + 6) * (modelIndex == 2 ? 2 : 1));
            int? ttfb = streamed && !refused ? Math.Max(1, (int)(latencyMs * (0.05 + random.NextDouble() * 0.2))) : null;

            p["$at"].Value = at.UtcTicks;
            p["$rid"].Value = n.ToString("x16", CultureInfo.InvariantCulture);
            p["$team"].Value = teamText[h];
            p["$dev"].Value = developerText[h];
            p["$key"].Value = keyText[h];
            p["$agent"].Value = habit.Agents[agentIndex];
            p["$req"].Value = model.Requested;
            p["$up"].Value = refused ? DBNull.Value : model.Upstream;
            p["$acct"].Value = refused ? DBNull.Value : accountText[model.Account];
            p["$billing"].Value = passthrough ? "Passthrough" : "Central";
            p["$status"].Value = status;
            p["$in"].Value = input;
            p["$out"].Value = output;
            p["$cw"].Value = 0;
            p["$cr"].Value = cacheRead;
            p["$cost"].Value = cost.ToString(CultureInfo.InvariantCulture);
            p["$lat"].Value = latencyMs;
            p["$ttfb"].Value = ttfb is { } t ? t : DBNull.Value;
            p["$streamed"].Value = streamed ? 1 : 0;
            p["$error"].Value = error is null ? DBNull.Value : error;
            insert.ExecuteNonQuery();

            var hour = at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerHour;
            var failed = status >= 400 || error is not null;
            var agentKey = agentIndex;
            Add(hourly, (hour, h, agentKey, refused ? -1 - modelIndex : modelIndex, passthrough), input, output, cacheRead, cost, failed);
            var day = DateOnly.FromDateTime(at.UtcDateTime);
            Add(daily, (day, h, agentKey, refused ? -1 - modelIndex : modelIndex, passthrough), input, output, cacheRead, cost, failed);
            Add(monthly, (new DateOnly(day.Year, day.Month, 1), h, agentKey, refused ? -1 - modelIndex : modelIndex, passthrough), input, output, cacheRead, cost, failed);
            if (!failed)
            {
                if (!latency.TryGetValue((hour, model.Account, modelIndex), out var histograms))
                    latency[(hour, model.Account, modelIndex)] = histograms = (new LatencyHistogram(), new LatencyHistogram());
                histograms.Latency.Add(latencyMs);
                if (ttfb is { } first)
                    histograms.FirstByte.Add(first);
            }

            if ((n + 1) % perTransaction == 0)
            {
                transaction.Commit();
                transaction = sqlite.BeginTransaction();
                insert.Transaction = transaction;
                System.Console.WriteLine($"  {n + 1:N0} records, {clock.Elapsed.TotalSeconds:F0} s");
            }
        }
        transaction.Commit();
        System.Console.WriteLine($"Records written in {clock.Elapsed.TotalSeconds:F0} s; writing roll-ups…");

        await using (var tx = sqlite.BeginTransaction())
        {
            InsertCounts(sqlite, tx, "UsageRollupsHourly", "HourUtc", hourly.Select(e => ((object)e.Key.Hour, e.Key.Habit, e.Key.Agent, e.Key.Model, e.Key.Passthrough, e.Value)), habits, nanoDollars: false);
            InsertCounts(sqlite, tx, "UsageRollupsDaily", "Day", daily.Select(e => ((object)e.Key.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Key.Habit, e.Key.Agent, e.Key.Model, e.Key.Passthrough, e.Value)), habits, nanoDollars: true);
            InsertCounts(sqlite, tx, "UsageRollupsMonthly", "Month", monthly.Select(e => ((object)e.Key.Month.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), e.Key.Habit, e.Key.Agent, e.Key.Model, e.Key.Passthrough, e.Value)), habits, nanoDollars: true);
            var cmd = sqlite.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO LatencyRollupsHourly (HourUtc, ProviderAccountId, Model, Requests, Latency, FirstByteRequests, FirstByte) VALUES ($h, $a, $m, $r, $l, $fr, $f)";
            foreach (var ((hour, account, model), (lat, first)) in latency)
            {
                cmd.Parameters.Clear();
                cmd.Parameters.AddWithValue("$h", hour);
                cmd.Parameters.AddWithValue("$a", Text(accounts[account].Id));
                cmd.Parameters.AddWithValue("$m", Models[model].Upstream);
                cmd.Parameters.AddWithValue("$r", lat.Count);
                cmd.Parameters.AddWithValue("$l", lat.ToString());
                cmd.Parameters.AddWithValue("$fr", first.Count);
                cmd.Parameters.AddWithValue("$f", first.ToString());
                await cmd.ExecuteNonQueryAsync();
            }
            // Every level has counted every record: the roll-up job starts from here.
            var stamp = now.UtcTicks;
            foreach (var name in new[] { RollupWatermark.HourlyUsage, RollupWatermark.DailyUsage(TimeZoneInfo.Utc), RollupWatermark.MonthlyUsage(TimeZoneInfo.Utc), RollupWatermark.Latency })
            {
                cmd.Parameters.Clear();
                cmd.CommandText = "INSERT INTO RollupWatermarks (Name, LastUsageId, UpdatedAt) VALUES ($n, (SELECT MAX(Id) FROM Usage), $u)";
                cmd.Parameters.AddWithValue("$n", name);
                cmd.Parameters.AddWithValue("$u", stamp);
                await cmd.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
        // Statistics from a sample of each index, as PRAGMA optimize would leave them; then back to the default journal.
        await Exec(sqlite, "PRAGMA analysis_limit=2000; ANALYZE; PRAGMA journal_mode=DELETE;");
        System.Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0} s: {count:N0} records, {hourly.Count:N0} hourly, {daily.Count:N0} daily, {monthly.Count:N0} monthly and {latency.Count:N0} latency roll-up rows; {new FileInfo(path).Length / 1_048_576:N0} MB.");

        static void Add<TKey>(Dictionary<TKey, Sums> sums, TKey key, long input, long output, long cacheRead, decimal cost, bool failed) where TKey : notnull
        {
            if (!sums.TryGetValue(key, out var s))
                sums[key] = s = new Sums();
            s.Requests++;
            s.Errors += failed ? 1 : 0;
            s.Input += input;
            s.Output += output;
            s.CacheRead += cacheRead;
            s.Cost += cost;
        }
    }

    private static void InsertCounts(SqliteConnection sqlite, SqliteTransaction tx, string table, string periodColumn,
        IEnumerable<(object Period, int Habit, int Agent, int Model, bool Passthrough, Sums Sums)> rows,
        (Guid? Developer, Guid TeamId, string[] Agents, int[] Models, bool Passthrough)[] habits, bool nanoDollars)
    {
        var cmd = sqlite.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = $"""
            INSERT INTO {table} ({periodColumn}, TeamId, DeveloperId, Agent, RequestedModel, UpstreamModel, Billing, Requests, Errors,
                InputTokens, OutputTokens, CacheWriteTokens, CacheReadTokens, {(nanoDollars ? "CostNanoUsd" : "CostUsd")})
            VALUES ($p, $t, $d, $a, $rm, $um, $b, $r, $e, $i, $o, 0, $cr, $c)
            """;
        var p = new[] { "$p", "$t", "$d", "$a", "$rm", "$um", "$b", "$r", "$e", "$i", "$o", "$cr", "$c" }
            .ToDictionary(n => n, n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n }));
        cmd.Prepare();
        foreach (var row in rows)
        {
            var habit = habits[row.Habit];
            var refused = row.Model < 0;
            var model = Models[refused ? -1 - row.Model : row.Model];
            p["$p"].Value = row.Period;
            p["$t"].Value = Text(habit.TeamId);
            p["$d"].Value = Text(habit.Developer ?? Guid.Empty);
            p["$a"].Value = habit.Agents[row.Agent];
            p["$rm"].Value = model.Requested;
            p["$um"].Value = refused ? "" : model.Upstream;
            p["$b"].Value = row.Passthrough ? "Passthrough" : "Central";
            p["$r"].Value = row.Sums.Requests;
            p["$e"].Value = row.Sums.Errors;
            p["$i"].Value = row.Sums.Input;
            p["$o"].Value = row.Sums.Output;
            p["$cr"].Value = row.Sums.CacheRead;
            p["$c"].Value = nanoDollars ? (object)(long)(row.Sums.Cost * 1_000_000_000m) : row.Sums.Cost.ToString(CultureInfo.InvariantCulture);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>EF Core's SQLite provider stores a Guid as upper-case text.</summary>
    internal static string Text(Guid id) => id.ToString().ToUpperInvariant();

    private static async Task Exec(SqliteConnection sqlite, string sql)
    {
        await using var cmd = sqlite.CreateCommand();
        cmd.CommandText = sql;
        cmd.CommandTimeout = 0;
        await cmd.ExecuteNonQueryAsync();
    }

    private sealed class Sums
    {
        public long Requests, Errors, Input, Output, CacheRead;
        public decimal Cost;
    }
}
