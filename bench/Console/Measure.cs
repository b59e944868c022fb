using System.Diagnostics;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Console;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRouter.Bench.Console;

/// <summary>Times the read models behind the console pages against a generated store: each case once to warm up, then
/// <c>runs</c> times; prints the median and the slowest.</summary>
internal static class Measure
{
    public static async Task<List<(string Case, double Median, double Max)>> RunAsync(string path, int runs)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddDbContextFactory<AppDbContext>(o => { o.UseSqlite($"Data Source={path}"); if (Environment.GetEnvironmentVariable("BENCH_SQL") == "1") o.LogTo(System.Console.WriteLine, [Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuted]); })
            .AddSingleton(TimeProvider.System)
            .AddSingleton(Options.Create(new InvoiceOptions()))
            .AddSingleton<BillingCalendar>()
            .AddSingleton<AttributionQueries>()
            .AddSingleton<RequestLogQueries>()
            .AddSingleton<LatencyQueries>()
            .AddSingleton<ConsoleQueries>()
            .BuildServiceProvider();
        var console = services.GetRequiredService<ConsoleQueries>();
        var finance = services.GetRequiredService<AttributionQueries>();
        var log = services.GetRequiredService<RequestLogQueries>();
        var latency = services.GetRequiredService<LatencyQueries>();
        var calendar = services.GetRequiredService<BillingCalendar>();

        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        Guid team, developer, account;
        await using (var db = await factory.CreateDbContextAsync())
        {
            team = await db.Teams.OrderBy(t => t.Name).Select(t => t.Id).FirstAsync();
            developer = await db.Developers.OrderBy(d => d.Name).Select(d => d.Id).FirstAsync();
            account = await db.ProviderAccounts.OrderBy(p => p.Name).Select(p => p.Id).FirstAsync();
            System.Console.WriteLine($"Store: {await db.Usage.CountAsync():N0} usage records, {await db.UsageRollups.CountAsync():N0} hourly and {await db.DailyUsageRollups.CountAsync():N0} daily roll-up rows");
        }
        var today = calendar.DayOf(DateTimeOffset.UtcNow);
        var month = new AttributionFilter(new DateOnly(today.Year, today.Month, 1), today);
        var thirtyDays = new AttributionFilter(today.AddDays(-29), today);
        var day = new RequestLogFilter(Last: "24h");

        // Page 21 of the unfiltered log: found by walking the cursor, then timed on its own.
        RequestLogCursor? deep = null;
        for (var i = 0; i < 20; i++)
            deep = (await log.PageAsync(day, deep, 50, default)).Next;

        var cases = new List<(string, Func<Task<int>>)>
        {
            ("Overview (today, month, 14 days, top teams)", async () => (await console.OverviewAsync(default)).Daily.Count),
            ("Finance: month to date, all teams", async () => (await finance.ReportAsync(month, default)).Rows.Count),
            ("Finance: last 30 days, all teams", async () => (await finance.ReportAsync(thirtyDays, default)).Rows.Count),
            ("Finance: filter menus", async () => (await finance.ChoicesAsync(default)).Models.Count),
            ("Finance: MCP tool calls", async () => (int)(await finance.ToolCallsAsync(month, default)).Calls),
            ("Team: finance for one team, 30 days", async () => (await finance.ReportAsync(thirtyDays with { TeamId = team }, default)).Rows.Count),
            ("Team: request log, one team, 24 h", async () => (await log.PageAsync(day with { TeamId = team }, null, 50, default)).Rows.Count),
            ("Request log: first page, 24 h", async () => (await log.PageAsync(day, null, 50, default)).Rows.Count),
            ("Request log: page 21 (cursor)", async () => (await log.PageAsync(day, deep, 50, default)).Rows.Count),
            ("Request log: all time, first page", async () => (await log.PageAsync(new RequestLogFilter(), null, 50, default)).Rows.Count),
            ("Request log: developer, 30 days", async () => (await log.PageAsync(new RequestLogFilter(Last: "30d", DeveloperId: developer), null, 50, default)).Rows.Count),
            ("Request log: model, 7 days", async () => (await log.PageAsync(new RequestLogFilter(Last: "7d", Model: "claude-opus-4-1"), null, 50, default)).Rows.Count),
            ("Request log: provider account, 24 h", async () => (await log.PageAsync(day with { ProviderAccountId = account }, null, 50, default)).Rows.Count),
            ("Request log: agent, 24 h", async () => (await log.PageAsync(day with { Agent = "cursor" }, null, 50, default)).Rows.Count),
            ("Request log: failed, 24 h", async () => (await log.PageAsync(day with { Status = "failed" }, null, 50, default)).Rows.Count),
            ("Request log: status 502, 30 days", async () => (await log.PageAsync(new RequestLogFilter(Last: "30d", Status: "502"), null, 50, default)).Rows.Count),
            ("Request log: error code, 30 days", async () => (await log.PageAsync(new RequestLogFilter(Last: "30d", Error: "upstream_timeout"), null, 50, default)).Rows.Count),
            ("Request log: team + failed, 7 days", async () => (await log.PageAsync(new RequestLogFilter(Last: "7d", TeamId: team, Status: "failed"), null, 50, default)).Rows.Count),
            ("Request log: filter menus", async () => (await log.ChoicesAsync(null, default)).Errors.Count),
            ("Request log: detail drawer", async () => (await log.DetailAsync(1, null, default))!.Count),
            ("Latency: 24 h by model", async () => (await latency.ReportAsync(DateTimeOffset.UtcNow.AddHours(-24), DateTimeOffset.UtcNow, LatencyGrouping.Model, default)).Series.Count),
            ("Latency: 14 days by provider account", async () => (await latency.ReportAsync(DateTimeOffset.UtcNow.AddDays(-14), DateTimeOffset.UtcNow, LatencyGrouping.ProviderAccount, default)).Series.Count),
        };

        var results = new List<(string, double, double)>();
        // The machine may be shared: CPU time used by this process (the queries run in it, SQLite included) is reported
        // beside the wall-clock time.
        var process = System.Diagnostics.Process.GetCurrentProcess();
        System.Console.WriteLine($"{"case",-48} {"rows",6} {"median ms",10} {"max ms",8} {"cpu ms",8}");
        foreach (var (name, run) in cases)
        {
            var rows = await run();
            var times = new List<double>();
            var cpu = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                await run();
                times.Add(watch.Elapsed.TotalMilliseconds);
                process.Refresh();
                cpu.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }
            times.Sort();
            cpu.Sort();
            var median = times[times.Count / 2];
            results.Add((name, median, times[^1]));
            System.Console.WriteLine($"{name,-48} {rows,6} {median,10:F1} {times[^1],8:F1} {cpu[cpu.Count / 2],8:F0}");
        }
        return results;
    }
}
