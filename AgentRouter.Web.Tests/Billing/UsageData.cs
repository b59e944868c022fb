using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Teams;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>A generated month of usage written straight to the store: teams with developers and a service agent,
/// several agents and models, both billing modes, failures, and records on the month's first and last ticks plus
/// neighbours just outside it.</summary>
public sealed record UsageData(DateOnly Month, DateTimeOffset Start, DateTimeOffset End, List<Team> Teams, List<Developer> Developers, List<UsageRecord> Records)
{
    public static readonly string[] Agents = ["claude-code", "openai-sdk-python", "=cmd|' /C calc'!A0"];

    /// <summary>Records whose time falls inside the month.</summary>
    public IEnumerable<UsageRecord> InMonth => Records.Where(r => r.At >= Start && r.At < End);

    public static async Task<UsageData> GenerateAsync(IServiceProvider services, DateOnly month, int count, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddMonths(1);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var teams = Enumerable.Range(0, 3).Select(i => new Team { Name = $"Team {(char)('A' + i)} {tag}", Slug = $"t{i}-{tag}", CreatedAt = start }).ToList();
        var developers = teams.SelectMany((t, i) => Enumerable.Range(0, 3).Select(j => new Developer
            { Name = $"Dev {i}{j} {tag}", Email = $"dev{i}{j}-{tag}@corp.example", TeamId = t.Id, CreatedAt = start })).ToList();
        (string Requested, string? Upstream, decimal In, decimal Out, decimal Write, decimal Read)[] models =
        [
            ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", 3m, 15m, 3.75m, 0.30m),
            ("gpt-5", "gpt-5-2025-08-07", 1.25m, 10m, 0m, 0.125m),
            ("not-approved", null, 0m, 0m, 0m, 0m),
        ];

        // Two provider accounts serve the models, so latency can be told apart per account.
        Guid[] accounts = [Guid.NewGuid(), Guid.NewGuid()];
        var records = new List<UsageRecord>();
        for (var n = 0; n < count; n++)
        {
            var team = teams[random.Next(teams.Count)];
            var teamDevelopers = developers.Where(d => d.TeamId == team.Id).ToList();
            var agent = Agents[random.Next(Agents.Length)];
            // A third of the traffic comes from a service agent's key: no developer.
            var developer = random.Next(3) == 0 ? null : teamDevelopers[random.Next(teamDevelopers.Count)];
            var model = models[random.Next(models.Length)];
            var refused = model.Upstream is null;
            var failed = !refused && random.Next(10) == 0;
            var passthrough = !refused && model.Requested.StartsWith("claude") && random.Next(2) == 0;
            var at = n switch
            {
                0 => start,
                1 => end.AddTicks(-1),
                2 => start.AddTicks(-1),
                3 => end,
                _ => start.AddTicks((long)(random.NextDouble() * (end - start).Ticks)),
            };
            var (input, output, write, read) = refused ? (0L, 0L, 0L, 0L)
                : (random.Next(1, 200_000), random.Next(0, 20_000), model.Write > 0 ? random.Next(0, 50_000) : 0, random.Next(0, 500_000));
            var cost = Math.Round((input * model.In + output * model.Out + write * model.Write + read * model.Read) / 1_000_000m, 9);
            records.Add(new UsageRecord
            {
                At = at, RequestId = Guid.NewGuid().ToString("N"), TeamId = team.Id, DeveloperId = developer?.Id, ApiKeyId = Guid.NewGuid(),
                Agent = agent, Surface = "anthropic", RequestedModel = model.Requested, UpstreamModel = model.Upstream,
                Billing = passthrough ? UsageBilling.Passthrough : UsageBilling.Central,
                Status = refused ? 403 : failed ? 502 : 200, Error = refused ? "model_not_approved" : failed ? "upstream_failed_mid_response" : null,
                InputTokens = input, OutputTokens = output, CacheWriteTokens = write, CacheReadTokens = read, CostUsd = cost,
                ProviderAccountId = refused ? null : accounts[random.Next(accounts.Length)], LatencyMs = random.Next(40, 60_000),
                TimeToFirstByteMs = random.Next(2) == 0 ? random.Next(20, 5_000) : null,
            });
        }

        var factory = services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        db.Teams.AddRange(teams);
        db.Developers.AddRange(developers);
        db.Usage.AddRange(records);
        await db.SaveChangesAsync();
        return new UsageData(month, start, end, teams, developers, records);
    }

    /// <summary>Adds more usage to the store (e.g. a record arriving late for a month already closed).</summary>
    public static async Task AddAsync(IServiceProvider services, params UsageRecord[] records)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Usage.AddRange(records);
        await db.SaveChangesAsync();
    }
}
