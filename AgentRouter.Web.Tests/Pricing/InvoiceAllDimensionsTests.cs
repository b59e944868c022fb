using AgentRouter.Web.Billing;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.Tests.Billing;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Pricing;

/// <summary>A generated month whose requests use every pricing dimension, costed the way the gateway costs them: the
/// closed invoice's totals equal the sum of the records, to the last decimal.</summary>
public sealed class InvoiceAllDimensionsTests
{
    private static readonly DateOnly March = new(2025, 3, 1);

    [Fact]
    public async Task Invoice_OfAMonthMixingEveryDimension_EqualsTheSumOfItsRecords()
    {
        await using var router = new RouterFactory();
        var data = await UsageData.GenerateAsync(router.Services, March, count: 50, seed: 21);
        var random = new Random(22);
        var mixed = Enumerable.Range(0, 1_200).Select(n => Mixed(data, random, n)).ToList();
        await UsageData.AddAsync(router.Services, [.. mixed]);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 4, 1, 5, 0, 0, TimeSpan.Zero));

        await ActivatorUtilities.CreateInstance<InvoiceJob>(router.Services, ActivatorUtilities.CreateInstance<UsageRollupJob>(router.Services, clock), Invoices(), clock)
            .RunAsync(CancellationToken.None);
        var invoice = InvoiceView.From(await Invoices().GetAsync(March, CancellationToken.None));

        Assert.Equal("closed", invoice.Status);
        Assert.Contains(mixed, r => r.CacheWrite1hTokens > 0);
        Assert.Contains(mixed, r => r.WebSearchRequests > 0);
        Assert.Contains(mixed, r => r.LongContext);
        Assert.Contains(mixed, r => r.ReasoningTokens > 0 && r.CacheReadTokens > 0);
        var all = data.InMonth.Concat(mixed.Where(r => r.At >= data.Start && r.At < data.End)).ToList();
        Assert.Equal(all.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), invoice.Totals.BilledUsd);
        Assert.Equal(all.Where(r => r.Billing == UsageBilling.Passthrough).Sum(r => r.CostUsd), invoice.Totals.NotionalPassthroughUsd);
        Assert.Equal(all.Count, invoice.Totals.Central.Requests + invoice.Totals.Passthrough.Requests);
        Assert.Equal(all.Sum(r => r.CacheWriteTokens), invoice.Totals.Central.CacheWriteTokens + invoice.Totals.Passthrough.CacheWriteTokens);

        InvoiceService Invoices() => ActivatorUtilities.CreateInstance<InvoiceService>(router.Services, clock);
    }

    /// <summary>One request of one of the golden kinds, with random counts, priced by the gateway's own code.</summary>
    private static UsageRecord Mixed(UsageData data, Random random, int n)
    {
        var developer = data.Developers[random.Next(data.Developers.Count)];
        var (model, sheet, usage) = (n % 6) switch
        {
            0 => ("claude-sonnet-4-5", GoldenUsageTests.Sonnet45, new TokenUsage { Input = random.Next(1, 5000), Output = random.Next(1, 4000), CacheWrite = 20_000, CacheWrite1h = random.Next(0, 20_000) }),
            1 => ("claude-sonnet-4-5", GoldenUsageTests.Sonnet45, new TokenUsage { Input = random.Next(150_000, 400_000), Output = random.Next(1, 4000), CacheRead = random.Next(0, 60_000) }),
            2 => ("claude-sonnet-4-5", GoldenUsageTests.Sonnet45, new TokenUsage { Input = random.Next(1, 9000), Output = random.Next(1, 900), WebSearches = random.Next(1, 6) }),
            3 => ("gpt-5", GoldenUsageTests.Gpt5, new TokenUsage { Input = random.Next(1, 9000), CacheRead = random.Next(1, 9000), Output = 2000, Reasoning = random.Next(1, 2000) }),
            4 => ("gemini-2.5-pro", GoldenUsageTests.Gemini25Pro, new TokenUsage { Input = random.Next(1, 9000), CacheRead = random.Next(1, 9000), Output = 3000, Reasoning = random.Next(1, 3000) }),
            _ => ("gemini-2.5-pro", GoldenUsageTests.Gemini25Pro, new TokenUsage { Input = random.Next(190_000, 260_000), Output = random.Next(1, 900) }),
        };
        var record = new UsageRecord
        {
            At = data.Start.AddTicks((long)(random.NextDouble() * (data.End - data.Start).Ticks)), RequestId = Guid.NewGuid().ToString("N"),
            TeamId = developer.TeamId, DeveloperId = developer.Id, ApiKeyId = Guid.NewGuid(), Agent = UsageData.Agents[n % UsageData.Agents.Length],
            Surface = "anthropic.messages", RequestedModel = model, UpstreamModel = model, Status = 200,
            Billing = n % 7 == 0 ? UsageBilling.Passthrough : UsageBilling.Central,
            InputTokens = usage.Input, OutputTokens = usage.Output, CacheWriteTokens = usage.CacheWrite, CacheReadTokens = usage.CacheRead, ReasoningTokens = usage.Reasoning,
        };
        UsageCost.Record(record, usage, sheet);
        return record;
    }
}
