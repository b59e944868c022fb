using AgentRouter.Web.Billing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Latency percentiles read from the hourly histograms: within the histogram's 10 % of the exact value, per model
/// and per provider account, per bucket of time.</summary>
public sealed class LatencyTests(RequestLogTests.GeneratedMonth fixture) : IClassFixture<RequestLogTests.GeneratedMonth>
{
    [Fact]
    public void Histogram_PercentileIsAtOrAboveTheExactValue_ByAtMostTenPercent()
    {
        var random = new Random(7);
        var values = Enumerable.Range(0, 5_000).Select(_ => (int)Math.Exp(random.NextDouble() * 11)).ToList();
        var histogram = new LatencyHistogram();
        values.ForEach(v => histogram.Add(v));
        var sorted = values.Order().ToList();

        foreach (var q in new[] { 0.5, 0.9, 0.95, 0.99 })
        {
            var exact = sorted[(int)Math.Ceiling(q * sorted.Count) - 1];
            var estimate = histogram.Percentile(q)!.Value;
            Assert.InRange(estimate, exact, Math.Max(exact + 1, exact * 1.1 + 1));
        }
        Assert.Equal(histogram.ToString(), LatencyHistogram.Parse(histogram.ToString()).ToString());
        Assert.Null(new LatencyHistogram().Percentile(0.5));
    }

    [Fact]
    public async Task Report_PerModelAndPerAccount_MatchesTheRecordsThatSucceeded()
    {
        var data = fixture.Data;
        var queries = fixture.Router.Services.GetRequiredService<LatencyQueries>();
        var served = data.InMonth.Where(r => r.Status < 400 && r.Error is null && r.ProviderAccountId is not null && r.UpstreamModel is not null).ToList();

        var byModel = await queries.ReportAsync(data.Start, data.End, LatencyGrouping.Model, CancellationToken.None);
        var byAccount = await queries.ReportAsync(data.Start, data.End, LatencyGrouping.ProviderAccount, CancellationToken.None);

        Assert.Equal(28, byModel.Buckets.Count);
        foreach (var model in served.GroupBy(r => r.UpstreamModel!))
        {
            var series = Assert.Single(byModel.Series, s => s.Name == model.Key);
            Assert.Equal(model.Count(), series.Requests);
            var exact = model.Select(r => r.LatencyMs).Order().ToList()[(int)Math.Ceiling(0.95 * model.Count()) - 1];
            Assert.InRange(series.P95LatencyMs!.Value, exact, exact * 1.1 + 1);
            Assert.Equal(28, series.P50Latency.Count);
            var day = model.GroupBy(r => r.At.UtcDateTime.Day).First();
            var dayExact = day.Select(r => r.LatencyMs).Order().ToList()[(int)Math.Ceiling(0.5 * day.Count()) - 1];
            Assert.InRange(series.P50Latency[day.Key - 1]!.Value, dayExact, dayExact * 1.1 + 1);
        }
        // The generated accounts are not in the provider table: they are named as deleted and grouped under that name.
        Assert.Equal(served.Count, byAccount.Series.Sum(s => s.Requests));
        Assert.Equal(served.Count(r => r.TimeToFirstByteMs is not null) > 0, byModel.Series.Any(s => s.P50FirstByteMs is not null));
    }
}
