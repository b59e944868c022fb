using AgentRouter.Web.Billing;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentRouter.Web.Console.Pages;

/// <summary>Finance attribution: who spent what, on which model and through which agent, from the hourly roll-ups.</summary>
public partial class Finance
{
    [Inject] public required AttributionQueries Queries { get; init; }
    [Inject] public required BillingCalendar Calendar { get; init; }

    public AttributionFilter Filter { get; private set; } = null!;
    public AttributionChoices Choices { get; private set; } = new([], [], [], []);
    public AttributionReport? Report { get; private set; }
    public ToolCallTotals ToolCalls { get; private set; } = new(0, 0, []);

    /// <summary>The CSV export of exactly what the page shows.</summary>
    public string CsvUrl => "/api/finance/attribution.csv?" + AttributionQuery.QueryString(Filter);

    private Charts.Plot _spend = null!, _developers = null!, _models = null!, _agents = null!;

    protected override async Task OnInitializedAsync()
    {
        var today = Calendar.DayOf(Clock.GetUtcNow());
        Filter = new AttributionFilter(new DateOnly(today.Year, today.Month, 1), today);
        Choices = await Queries.ChoicesAsync(CancellationToken.None);
        await LoadAsync();
    }

    /// <summary>Applies a changed filter and reloads the report.</summary>
    public async Task SetAsync(AttributionFilter filter)
    {
        Filter = filter.From <= filter.To ? filter : filter with { To = filter.From };
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        Report = await Queries.ReportAsync(Filter, CancellationToken.None);
        ToolCalls = await Queries.ToolCallsAsync(Filter, CancellationToken.None);
        _spend = FinanceCharts.SpendByTeam(Report);
        _developers = FinanceCharts.Bars(Report.TopDevelopers);
        _models = FinanceCharts.Bars(Report.ByModel);
        _agents = FinanceCharts.Bars(Report.ByAgent);
    }

    private static DateTime? ToDate(DateOnly day) => day.ToDateTime(TimeOnly.MinValue);

    private static DateOnly FromDate(DateTime? date, DateOnly fallback) => date is { } d ? DateOnly.FromDateTime(d) : fallback;
}
