using AgentRouter.Web.Billing;
using AgentRouter.Web.Console.Charts;

namespace AgentRouter.Web.Console;

/// <summary>The finance page's charts, from an attribution report: kept out of the markup so they are tested without a renderer.</summary>
public static class FinanceCharts
{
    /// <summary>Teams beyond this many are stacked together as "Other teams", so the chart stays readable.</summary>
    public const int MaxTeamSeries = 8;

    /// <summary>Cost per time bucket, one stacked series per team.</summary>
    public static Plot SpendByTeam(AttributionReport report)
    {
        var series = report.SpendByTeam.Take(MaxTeamSeries).Select(t => Series(t.Team, t.CostUsd)).ToList();
        var others = report.SpendByTeam.Skip(MaxTeamSeries).ToList();
        if (others.Count > 0)
            series.Add(Series("Other teams", Enumerable.Range(0, report.Buckets.Count).Select(i => others.Sum(t => t.CostUsd[i])).ToList()));
        return new Plot(report.Buckets, series, ChartUnit.Money);
    }

    /// <summary>One bar per slice (developer, model or agent), by cost.</summary>
    public static Plot Bars(IReadOnlyList<AttributionSlice> slices, int take = 10)
    {
        var top = slices.Take(take).ToList();
        return new Plot(top.Select(s => s.Name).ToList(), [Series("Cost", top.Select(s => s.CostUsd).ToList())], ChartUnit.Money);
    }

    private static PlotSeries Series(string name, IReadOnlyList<decimal> values) => new(name, values.Select(v => (double?)(double)v).ToList());
}
