using AgentRouter.Web.Billing;
using MudBlazor;

namespace AgentRouter.Web.Console;

/// <summary>The finance page's charts, from an attribution report: kept out of the markup so they are tested without a renderer.</summary>
public static class FinanceCharts
{
    /// <summary>Teams beyond this many are stacked together as "Other teams", so the chart stays readable.</summary>
    public const int MaxTeamSeries = 8;

    /// <summary>Cost per time bucket, one stacked series per team.</summary>
    public static List<ChartSeries<double>> SpendByTeam(AttributionReport report)
    {
        var series = report.SpendByTeam.Take(MaxTeamSeries).Select(t => Series(t.Team, t.CostUsd)).ToList();
        var others = report.SpendByTeam.Skip(MaxTeamSeries).ToList();
        if (others.Count > 0)
            series.Add(Series("Other teams", Enumerable.Range(0, report.Buckets.Count).Select(i => others.Sum(t => t.CostUsd[i])).ToList()));
        return series;
    }

    /// <summary>One bar per slice (developer, model or agent), by cost.</summary>
    public static (List<ChartSeries<double>> Series, string[] Labels) Bars(IReadOnlyList<AttributionSlice> slices, int take = 10)
    {
        var top = slices.Take(take).ToList();
        return ([Series("Cost (USD)", top.Select(s => s.CostUsd).ToList())], top.Select(s => s.Name).ToArray());
    }

    private static ChartSeries<double> Series(string name, IReadOnlyList<decimal> values) =>
        new() { Name = name, Data = values.Select(v => (double)Math.Round(v, 2)).ToArray() };
}
