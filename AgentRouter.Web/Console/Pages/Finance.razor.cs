using AgentRouter.Web.Billing;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentRouter.Web.Console.Pages;

/// <summary>Finance attribution: who spent what, on which model and through which agent, from the hourly roll-ups.</summary>
public partial class Finance
{
    [Inject] public required AttributionQueries Queries { get; init; }
    [Inject] public required BillingCalendar Calendar { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }

    // The filters live in the URL, so a view can be bookmarked, shared and reloaded.
    [SupplyParameterFromQuery(Name = "from")] public string? FromParameter { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? ToParameter { get; set; }
    [SupplyParameterFromQuery(Name = "teamId")] public Guid? TeamParameter { get; set; }
    [SupplyParameterFromQuery(Name = "developerId")] public Guid? DeveloperParameter { get; set; }
    [SupplyParameterFromQuery(Name = "agent")] public string? AgentParameter { get; set; }
    [SupplyParameterFromQuery(Name = "model")] public string? ModelParameter { get; set; }
    [SupplyParameterFromQuery(Name = "billing")] public string? BillingParameter { get; set; }

    public DateOnly Today => Calendar.DayOf(Clock.GetUtcNow());

    public AttributionFilter Filter { get; private set; } = null!;
    public AttributionChoices Choices { get; private set; } = new([], [], [], []);
    public AttributionReport? Report { get; private set; }
    public ToolCallTotals ToolCalls { get; private set; } = new(0, 0, []);

    /// <summary>The CSV export of exactly what the page shows.</summary>
    public string CsvUrl => "/api/finance/attribution.csv?" + AttributionQuery.QueryString(Filter);

    private Charts.Plot _spend = null!, _developers = null!, _models = null!, _agents = null!;

    protected override async Task OnInitializedAsync() => Choices = await OnceAsync("finance-choices", () => Queries.ChoicesAsync(CancellationToken.None));

    protected override async Task OnParametersSetAsync()
    {
        var today = Today;
        var query = new AttributionQuery(Day(FromParameter), Day(ToParameter), TeamParameter, DeveloperParameter, AgentParameter, ModelParameter, BillingParameter);
        // A hand-edited URL that does not parse falls back to this month rather than failing.
        var filter = query.ToFilter(Calendar, Clock) ?? new AttributionFilter(new DateOnly(today.Year, today.Month, 1), today);
        if (filter == Filter && Report is not null)
            return;
        var first = Report is null;
        Filter = filter;
        await LoadAsync(first);
    }

    /// <summary>Applies a changed filter, reloads the report and writes the filter into the URL (replacing the history entry).</summary>
    public async Task SetAsync(AttributionFilter filter)
    {
        Filter = filter.From <= filter.To ? filter : filter with { To = filter.From };
        await LoadAsync();
        Navigation.NavigateTo("/finance?" + AttributionQuery.QueryString(Filter), replace: true);
    }

    private static DateOnly? Day(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day) ? day : null;

    /// <summary>Reads the report for the filter; the page view's first read is handed from the prerender to the
    /// interactive render (keyed by the filter), later ones always query.</summary>
    private async Task LoadAsync(bool first = false)
    {
        var filter = Filter;
        async Task<(AttributionReport, ToolCallTotals)> Read() =>
            (await Queries.ReportAsync(filter, CancellationToken.None), await Queries.ToolCallsAsync(filter, CancellationToken.None));
        (Report, ToolCalls) = first ? await OnceAsync("finance:" + AttributionQuery.QueryString(filter), Read) : await Read();
        _spend = FinanceCharts.SpendByTeam(Report);
        _developers = FinanceCharts.Bars(Report.TopDevelopers);
        _models = FinanceCharts.Bars(Report.ByModel);
        _agents = FinanceCharts.Bars(Report.ByAgent);
    }

    private static DateTime? ToDate(DateOnly day) => day.ToDateTime(TimeOnly.MinValue);

    private static DateOnly FromDate(DateTime? date, DateOnly fallback) => date is { } d ? DateOnly.FromDateTime(d) : fallback;
}
