using System.Globalization;
using System.Net;
using System.Text.Json;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Monthly invoices from the roll-ups: right on a generated month, idempotent, closed once and never
/// recomputed, and the CSV adds up to the JSON. Each test has its own store, since closing touches every month.</summary>
public sealed class InvoiceTests
{
    private static readonly DateOnly March = new(2025, 3, 1);

    [Fact]
    public async Task ClosedInvoice_AttributesEveryTokenByTeamAgentDeveloper_PassthroughShownAndBilledZero_AndRerunsChangeNothing()
    {
        await using var router = new RouterFactory();
        var data = await UsageData.GenerateAsync(router.Services, March, count: 2_500, seed: 11);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 4, 1, 5, 0, 0, TimeSpan.Zero));

        await Job(router, clock).RunAsync(CancellationToken.None);
        var stored = await StoredAsync(router, "2025-03");
        clock.Advance(TimeSpan.FromDays(1));
        await Job(router, clock).RunAsync(CancellationToken.None);
        await Job(router, clock).RunAsync(CancellationToken.None);

        Assert.Equal(stored, await StoredAsync(router, "2025-03"));
        var invoice = InvoiceView.From(await Invoices(router, clock).GetAsync(March, CancellationToken.None));
        Assert.Equal("closed", invoice.Status);

        // Every line equals the raw records of its team, agent and developer, each billing mode apart.
        var expected = data.InMonth.GroupBy(r => (r.TeamId, r.Agent, Developer: r.DeveloperId)).ToDictionary(g => g.Key, g => g.ToList());
        var lines = invoice.Teams.SelectMany(t => t.Agents.SelectMany(a => a.Developers.Select(d => (t.TeamId, a.Agent, d))) ).ToList();
        Assert.Equal(expected.Count, lines.Count);
        foreach (var (teamId, agent, line) in lines)
        {
            var raw = expected[(teamId, agent, line.DeveloperId)];
            AssertAmounts(raw.Where(r => r.Billing == UsageBilling.Central), line.Central);
            AssertAmounts(raw.Where(r => r.Billing == UsageBilling.Passthrough), line.Passthrough);
            Assert.Equal(line.Central.CostUsd, line.BilledUsd);
            Assert.Equal(0m, line.Passthrough.BilledUsd);
        }

        // Subtotals per team and per agent, and the invoice's totals, equal the raw sums.
        foreach (var team in invoice.Teams)
        {
            var raw = data.InMonth.Where(r => r.TeamId == team.TeamId).ToList();
            AssertAmounts(raw.Where(r => r.Billing == UsageBilling.Central), team.Totals.Central);
            AssertAmounts(raw.Where(r => r.Billing == UsageBilling.Passthrough), team.Totals.Passthrough);
            foreach (var agent in team.Agents)
                Assert.Equal(raw.Where(r => r.Agent == agent.Agent && r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), agent.Totals.BilledUsd);
        }
        var passthrough = data.InMonth.Where(r => r.Billing == UsageBilling.Passthrough).ToList();
        Assert.NotEmpty(passthrough);
        Assert.Equal(data.InMonth.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), invoice.Totals.BilledUsd);
        Assert.Equal(passthrough.Sum(r => r.CostUsd), invoice.Totals.NotionalPassthroughUsd);
        Assert.Equal(0m, invoice.Totals.Passthrough.BilledUsd);
        Assert.Equal(data.InMonth.Count(), invoice.Totals.Central.Requests + invoice.Totals.Passthrough.Requests);
    }

    [Fact]
    public async Task Preview_FollowsNewUsage_UntilTheMonthCloses_ThenTheClosedInvoiceIsNeverRecomputed()
    {
        await using var router = new RouterFactory();
        var data = await UsageData.GenerateAsync(router.Services, March, count: 300, seed: 12);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero));
        var central = data.InMonth.First(r => r.Billing == UsageBilling.Central && r.CostUsd > 0);
        UsageRecord Late(decimal cost) => new()
        {
            At = new DateTimeOffset(2025, 3, 31, 23, 59, 0, TimeSpan.Zero), RequestId = Guid.NewGuid().ToString("N"), TeamId = central.TeamId,
            DeveloperId = central.DeveloperId, ApiKeyId = central.ApiKeyId, Agent = central.Agent, Surface = "anthropic", RequestedModel = central.RequestedModel,
            UpstreamModel = central.UpstreamModel, Status = 200, InputTokens = 1000, CostUsd = cost,
        };
        var expected = data.InMonth.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd);

        await Job(router, clock).RunAsync(CancellationToken.None);
        Assert.Equal(("preview", expected), await BilledAsync(router, clock));

        await UsageData.AddAsync(router.Services, Late(1.5m));
        clock.SetUtcNow(new DateTimeOffset(2025, 4, 1, 1, 0, 0, TimeSpan.Zero)); // within the 2-hour close delay
        await Job(router, clock).RunAsync(CancellationToken.None);
        Assert.Equal(("preview", expected + 1.5m), await BilledAsync(router, clock));

        await UsageData.AddAsync(router.Services, Late(2m));
        clock.SetUtcNow(new DateTimeOffset(2025, 4, 1, 3, 0, 0, TimeSpan.Zero));
        await Job(router, clock).RunAsync(CancellationToken.None);
        Assert.Equal(("closed", expected + 3.5m), await BilledAsync(router, clock));
        var closed = await StoredAsync(router, "2025-03");

        // A record for March arriving after the close reaches the roll-ups but not the closed invoice.
        await UsageData.AddAsync(router.Services, Late(100m));
        clock.Advance(TimeSpan.FromDays(1));
        await Job(router, clock).RunAsync(CancellationToken.None);
        Assert.Equal(closed, await StoredAsync(router, "2025-03"));
        Assert.Equal(("closed", expected + 3.5m), await BilledAsync(router, clock));
        Assert.Equal(expected + 103.5m, await RolledUpCentralCostAsync(router, data));
        Assert.Equal("preview", (await Invoices(router, clock).GetAsync(new DateOnly(2025, 4, 1), CancellationToken.None)).Status.ToString().ToLowerInvariant());
    }

    [Fact]
    public async Task InvoiceApi_JsonAndCsv_AddUp()
    {
        await using var router = new RouterFactory();
        var data = await UsageData.GenerateAsync(router.Services, March, count: 800, seed: 13);
        await Job(router, new FakeTimeProvider(new DateTimeOffset(2025, 4, 2, 0, 0, 0, TimeSpan.Zero))).RunAsync(CancellationToken.None);
        var admin = router.Admin();

        var json = await admin.SendAsync(HttpMethod.Get, "/api/admin/invoices/2025-03");
        var csv = await admin.Http.GetStringAsync("/api/admin/invoices/2025-03.csv");
        var sameCsv = await admin.Http.GetStringAsync("/api/admin/invoices/2025-03?format=csv");

        Assert.Equal(csv, sameCsv);
        var rows = CsvTable.Parse(csv);
        var (lines, total) = (rows.Where(r => r["team"] != "TOTAL").ToList(), rows.Single(r => r["team"] == "TOTAL"));
        Assert.Equal(data.InMonth.GroupBy(r => (r.TeamId, r.Agent, r.DeveloperId)).Count(), lines.Count);
        foreach (var column in new[] { "central_requests", "central_input_tokens", "central_output_tokens", "central_cache_write_tokens", "central_cache_read_tokens",
                     "central_cost_usd", "passthrough_requests", "passthrough_notional_cost_usd", "billed_usd" })
            Assert.Equal(lines.Sum(l => decimal.Parse(l[column], CultureInfo.InvariantCulture)), decimal.Parse(total[column], CultureInfo.InvariantCulture));
        var totals = json["totals"]!;
        Assert.Equal(totals["billedUsd"]!.GetValue<decimal>(), decimal.Parse(total["billed_usd"], CultureInfo.InvariantCulture));
        Assert.Equal(totals["notionalPassthroughUsd"]!.GetValue<decimal>(), decimal.Parse(total["passthrough_notional_cost_usd"], CultureInfo.InvariantCulture));
        Assert.Equal(totals["central"]!["tokens"]!.GetValue<long>(), new[] { "input", "output", "cache_write", "cache_read" }
            .Sum(kind => long.Parse(total[$"central_{kind}_tokens"], CultureInfo.InvariantCulture)));
        Assert.Equal(data.InMonth.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), decimal.Parse(total["billed_usd"], CultureInfo.InvariantCulture));
        // An agent name a spreadsheet would run as a formula is defused.
        Assert.Contains(lines, l => l["agent"] == "'" + UsageData.Agents[2]);
    }

    [Fact]
    public async Task InvoiceApi_ComputesAMonthNotStoredYet_AndRejectsABadMonth()
    {
        await using var router = new RouterFactory();
        var data = await UsageData.GenerateAsync(router.Services, March, count: 200, seed: 14);
        await router.Services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
        var admin = router.Admin();

        var json = await admin.SendAsync(HttpMethod.Get, "/api/admin/invoices/2025-03");
        await admin.SendAsync(HttpMethod.Get, "/api/admin/invoices/2025-13", expected: HttpStatusCode.BadRequest);
        await admin.SendAsync(HttpMethod.Get, "/api/admin/invoices/2025-03?format=xml", expected: HttpStatusCode.BadRequest);

        Assert.Equal("preview", json["status"]!.GetValue<string>());
        Assert.Equal(data.InMonth.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), json["totals"]!["billedUsd"]!.GetValue<decimal>());
        Assert.False(await StoredExistsAsync(router, "2025-03"));
    }

    private static void AssertAmounts(IEnumerable<UsageRecord> records, AmountsView amounts)
    {
        var list = records.ToList();
        Assert.Equal((list.Count, list.Sum(r => r.InputTokens), list.Sum(r => r.OutputTokens), list.Sum(r => r.CacheWriteTokens), list.Sum(r => r.CacheReadTokens), list.Sum(r => r.CostUsd)),
            (amounts.Requests, amounts.InputTokens, amounts.OutputTokens, amounts.CacheWriteTokens, amounts.CacheReadTokens, amounts.CostUsd));
        Assert.Equal(amounts.InputTokens + amounts.OutputTokens + amounts.CacheWriteTokens + amounts.CacheReadTokens, amounts.Tokens);
    }

    private static InvoiceService Invoices(RouterFactory router, TimeProvider clock) =>
        ActivatorUtilities.CreateInstance<InvoiceService>(router.Services, clock);

    private static InvoiceJob Job(RouterFactory router, TimeProvider clock) => ActivatorUtilities.CreateInstance<InvoiceJob>(router.Services,
        ActivatorUtilities.CreateInstance<UsageRollupJob>(router.Services, clock), Invoices(router, clock), clock);

    private static async Task<(string, decimal)> BilledAsync(RouterFactory router, TimeProvider clock)
    {
        var invoice = InvoiceView.From(await Invoices(router, clock).GetAsync(March, CancellationToken.None));
        return (invoice.Status, invoice.Totals.BilledUsd);
    }

    /// <summary>The stored invoice and its lines, as one comparable text.</summary>
    private static async Task<string> StoredAsync(RouterFactory router, string month)
    {
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).SingleAsync(i => i.Month == month);
        return JsonSerializer.Serialize(new { invoice.Id, invoice.Status, invoice.ComputedAt, invoice.ClosedAt, Lines = invoice.Lines.OrderBy(l => l.Id) });
    }

    private static async Task<bool> StoredExistsAsync(RouterFactory router, string month)
    {
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Invoices.AnyAsync(i => i.Month == month);
    }

    private static async Task<decimal> RolledUpCentralCostAsync(RouterFactory router, UsageData data)
    {
        var (start, end) = (data.Start, data.End);
        await using var db = await router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.UsageRollups.Where(r => r.HourUtc >= start && r.HourUtc < end && r.Billing == UsageBilling.Central).SumAsync(r => r.CostUsd);
    }
}

/// <summary>Reads RFC 4180 CSV with a header row into dictionaries.</summary>
public static class CsvTable
{
    public static List<Dictionary<string, string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(cell.ToString()); cell.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { record.Add(cell.ToString()); cell.Clear(); records.Add(record); record = []; }
            else cell.Append(c);
        }
        var header = records[0];
        return records.Skip(1).Select(r => header.Zip(r).ToDictionary(p => p.First, p => p.Second)).ToList();
    }
}
