using AgentRouter.Web.Billing;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Invoice months and finance days start at local midnight in the organisation's time zone, DST included.</summary>
public sealed class BillingCalendarTests
{
    private static BillingCalendar Calendar(string zone) => new(Options.Create(new InvoiceOptions { TimeZone = zone }));

    [Fact]
    public void MonthRange_InBerlin_StartsAtLocalMidnight_AcrossTheSpringChange()
    {
        var (start, end) = Calendar("Europe/Berlin").MonthRange(new DateOnly(2025, 3, 1));

        Assert.Equal(new DateTimeOffset(2025, 2, 28, 23, 0, 0, TimeSpan.Zero), start); // CET, UTC+1
        Assert.Equal(new DateTimeOffset(2025, 3, 31, 22, 0, 0, TimeSpan.Zero), end); // CEST, UTC+2
    }

    [Fact]
    public void MonthOf_UsesTheLocalDate()
    {
        var calendar = Calendar("America/New_York");

        Assert.Equal(new DateOnly(2025, 10, 1), calendar.MonthOf(new DateTimeOffset(2025, 11, 1, 3, 59, 0, TimeSpan.Zero)));
        Assert.Equal(new DateOnly(2025, 11, 1), calendar.MonthOf(new DateTimeOffset(2025, 11, 1, 4, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("UTC", true)]
    [InlineData("Europe/London", true)]
    [InlineData("America/New_York", true)]
    [InlineData("Asia/Kolkata", false)]
    [InlineData("Australia/Adelaide", false)]
    [InlineData("Not/AZone", false)]
    public void Options_AcceptOnlyZonesWithWholeHourOffsets(string zone, bool valid)
    {
        var result = new ValidateInvoiceOptions().Validate(null, new InvoiceOptions { TimeZone = zone });

        Assert.Equal(valid, result.Succeeded);
    }

    [Fact]
    public async Task Invoice_InTheOrganisationsZone_CountsTheLocalMonth()
    {
        await using var router = new RouterFactory();
        await using var berlin = router.WithWebHostBuilder(web => web.UseSetting("Billing:TimeZone", "Europe/Berlin"));
        var data = await UsageData.GenerateAsync(berlin.Services, new DateOnly(2025, 3, 1), count: 50, seed: 31);
        await berlin.Services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 3, 15, 0, 0, 0, TimeSpan.Zero));

        var invoice = InvoiceView.From(await ActivatorUtilities.CreateInstance<InvoiceService>(berlin.Services, clock).GetAsync(new DateOnly(2025, 3, 1), CancellationToken.None));

        // The generator's March is UTC: Berlin's March starts an hour earlier and ends two hours earlier.
        var (start, end) = (new DateTimeOffset(2025, 2, 28, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2025, 3, 31, 22, 0, 0, TimeSpan.Zero));
        var local = data.Records.Where(r => r.At >= start && r.At < end).ToList();
        Assert.Equal("Europe/Berlin", invoice.TimeZone);
        Assert.Equal(local.Count, invoice.Totals.Central.Requests + invoice.Totals.Passthrough.Requests);
        Assert.Equal(local.Where(r => r.Billing == UsageBilling.Central).Sum(r => r.CostUsd), invoice.Totals.BilledUsd);
        Assert.Contains(data.Records, r => r.At >= end && r.At < data.End); // some of UTC March falls in Berlin's April
    }
}
