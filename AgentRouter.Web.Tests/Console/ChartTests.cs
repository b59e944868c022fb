using AgentRouter.Web.Billing;
using AgentRouter.Web.Console.Charts;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace AgentRouter.Web.Tests.Console;

/// <summary>Axes that scale to the data and print money, tokens or milliseconds; thinned labels; tooltips with the exact
/// value; amounts below a cent that do not read as $0.00.</summary>
public sealed class ChartTests : ConsoleComponentContext
{
    [Theory]
    [InlineData(0.034, 0.01)]
    [InlineData(0.0123, 0.0025)]
    [InlineData(18.4, 5)]
    [InlineData(2_621_440, 1_000_000)]
    [InlineData(950, 200)]
    [InlineData(0, 1)]
    public void NiceStep_IsARoundSpacingWithAtMostFiveSteps(double max, double step)
    {
        Assert.Equal(step, ChartFormat.NiceStep(max), 9);
        if (max > 0)
            Assert.InRange(Math.Ceiling(max / step - 1e-9), 1, 5);
    }

    [Theory]
    [InlineData(0.005, ChartUnit.Money, 0.005, "$0.005")]
    [InlineData(0.02, ChartUnit.Money, 0.01, "$0.02")]
    [InlineData(12.5, ChartUnit.Money, 2.5, "$12.5")]
    [InlineData(3000, ChartUnit.Money, 1000, "$3K")]
    [InlineData(1_500_000, ChartUnit.Tokens, 500_000, "1.5M")]
    [InlineData(2_000_000, ChartUnit.Tokens, 1_000_000, "2M")]
    [InlineData(2_500_000_000, ChartUnit.Tokens, 500_000_000, "2.5B")]
    [InlineData(750, ChartUnit.Tokens, 250, "750")]
    [InlineData(250, ChartUnit.Milliseconds, 50, "250 ms")]
    [InlineData(1500, ChartUnit.Milliseconds, 500, "1.5 s")]
    [InlineData(0, ChartUnit.Tokens, 1_000_000, "0")]
    public void Tick_IsShortAndInTheDatasUnit(double value, ChartUnit unit, double step, string text) =>
        Assert.Equal(text, ChartFormat.Tick(value, unit, step));

    [Theory]
    [InlineData("0.004", "< $0.01")]
    [InlineData("0.0049", "< $0.01")]
    [InlineData("0.005", "$0.01")]
    [InlineData("0.01", "$0.01")]
    [InlineData("0", "$0.00")]
    [InlineData("1234.5", "$1,234.50")]
    public void Amount_BelowACent_DoesNotReadAsZero(string amount, string text) =>
        Assert.Equal(text, ChartFormat.Amount(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Thin_ShowsEveryKthLabel_AndKeepsTheOthersUniqueButInvisible()
    {
        var labels = Enumerable.Range(1, 30).Select(i => $"{i:00} Nov").ToList();

        var thinned = ChartFormat.Thin(labels, 10);

        Assert.Equal(10, thinned.Count(l => l.Trim('\u200B').Length > 0));
        Assert.Equal("01 Nov", thinned[0]);
        Assert.Equal("04 Nov", thinned[3]);
        Assert.Equal("", thinned[1].Trim('\u200B'));
        Assert.Equal(30, thinned.Distinct().Count());
    }

    [Fact]
    public void AxisChart_ScalesTheAxisToCents_AndFormatsTicksAsMoney()
    {
        var plot = new Plot(["01 Nov", "02 Nov", "03 Nov"], [new PlotSeries("Cost", [0.01, 0.034, 0.002])], ChartUnit.Money);

        var chart = Render<AxisChart>(p => p.Add(c => c.Plot, plot).Add(c => c.Title, "Cost per day").Add(c => c.MatchBounds, false));

        var ticks = chart.FindAll(".mud-charts-yaxis text").Select(t => t.TextContent).ToList();
        Assert.Equal(["$0", "$0.01", "$0.02", "$0.03", "$0.04"], ticks);
        Assert.Contains("Cost per day", chart.Find("[role=img]").GetAttribute("aria-label"));
    }

    [Fact]
    public void AxisChart_TokensTicks_AreCompact_NotRawNumbers()
    {
        var plot = new Plot(["a", "b"], [new PlotSeries("Tokens", [1_310_720, 2_621_440])], ChartUnit.Tokens);

        var chart = Render<AxisChart>(p => p.Add(c => c.Plot, plot).Add(c => c.MatchBounds, false));

        var ticks = chart.FindAll(".mud-charts-yaxis text").Select(t => t.TextContent).ToList();
        Assert.Equal(["0", "1M", "2M", "3M"], ticks);
    }

    [Fact]
    public void AxisChart_Tooltip_ShowsTheExactValueAndTheFullLabel()
    {
        var labels = Enumerable.Range(1, 20).Select(i => $"{i:00} Nov").ToList();
        var plot = new Plot(labels, [new PlotSeries("Cost", labels.Select((_, i) => (double?)(i == 5 ? 0.004 : 1.25)).ToList())], ChartUnit.Money);
        var chart = Render<AxisChart>(p => p.Add(c => c.Plot, plot).Add(c => c.MaxLabels, 5).Add(c => c.MatchBounds, false));
        Assert.DoesNotContain(chart.FindAll(".mud-charts-xaxis text"), t => t.TextContent == "06 Nov");

        chart.FindAll("path.mud-chart-bar")[5].TriggerEvent("onmouseover", new MouseEventArgs());

        var tooltip = chart.Find(".mud-charts-tooltip").TextContent;
        Assert.Contains("06 Nov", tooltip);
        Assert.Contains("< $0.01", tooltip);
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(75_000, "75,000")]
    [InlineData(189_754_277, "190M")]
    [InlineData(2_235_222_978, "2.24B")]
    [InlineData(88_575_355_290, "88.6B")]
    public void Tokens_AreExactWhenShort_AndThreeDigitsWithASuffixWhenLong(long tokens, string text) =>
        Assert.Equal(text, ChartFormat.Tokens(tokens));

    [Fact]
    public void AxisChart_NumberedLabels_NumberTheBars_AndTooltipsStillNameThem()
    {
        string[] names = ["claude-opus-4-1-20250805", "claude-sonnet-4-5-20250929", "gemini-2.5-pro"];
        var plot = new Plot(names, [new PlotSeries("Cost", [120.5, 30, 2])], ChartUnit.Money);
        var chart = Render<AxisChart>(p => p.Add(c => c.Plot, plot).Add(c => c.NumberedLabels, true).Add(c => c.MatchBounds, false));

        var labels = chart.FindAll(".mud-charts-xaxis text").Select(t => t.TextContent).ToList();
        Assert.Equal(["1", "2", "3"], labels);
        chart.FindAll("path.mud-chart-bar")[1].TriggerEvent("onmouseover", new MouseEventArgs());
        var tooltip = chart.Find(".mud-charts-tooltip").TextContent;
        Assert.Contains("claude-sonnet-4-5-20250929", tooltip);
        Assert.Contains("$30.00", tooltip);
    }

    [Fact]
    public void AxisChart_WithNothingToShow_SaysSo()
    {
        var chart = Render<AxisChart>(p => p.Add(c => c.Plot, new Plot(["a"], [new PlotSeries("Cost", [0])], ChartUnit.Money)).Add(c => c.EmptyText, "No spend yet."));

        Assert.Equal("No spend yet.", chart.Find("[data-testid=chart-empty]").TextContent);
    }

    [Fact]
    public void LatencyPlot_PicksTheMetricAndPercentile_WithGapsWhereNothingRan()
    {
        var report = new LatencyReport(["h1", "h2"], [new LatencySeries("m", 3, 100, 900, 20, 80, [100, null], [900, null], [20, null], [80, null])]);

        Assert.Equal([900, null], ChartFormat.LatencyPlot(report, "latency", "p95").Series[0].Values);
        Assert.Equal([100, null], ChartFormat.LatencyPlot(report, "latency", "p50").Series[0].Values);
        Assert.Equal([20, null], ChartFormat.LatencyPlot(report, "ttfb", "p50").Series[0].Values);
        Assert.Equal([80, null], ChartFormat.LatencyPlot(report, "ttfb", "p95").Series[0].Values);
        Assert.Equal(ChartUnit.Milliseconds, ChartFormat.LatencyPlot(report, "ttfb", "p95").Unit);
    }
}
