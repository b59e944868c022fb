using System.Globalization;
using AgentRouter.Web.Billing;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace AgentRouter.Web.Console.RequestLog;

/// <summary>The request log over the usage records. Its filters and page position live in the URL query string: the
/// view reads them on every navigation and writes them back on every change, so a reload or a shared link shows the
/// same records.</summary>
public partial class RequestLogView : IDisposable
{
    [Inject] public required RequestLogQueries Queries { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }
    [Inject] public required BillingCalendar Calendar { get; init; }
    [Inject] public required PrerenderHandoff Handoff { get; init; }

    /// <summary>Shows only this developer's records (My access); the team and developer filters are hidden.</summary>
    [Parameter] public Guid? OnlyDeveloperId { get; set; }

    /// <summary>Rows per page.</summary>
    [Parameter] public int PageSize { get; set; } = 50;

    /// <summary>Status codes offered besides "succeeded" and "failed".</summary>
    public static readonly string[] StatusCodes = ["200", "400", "401", "403", "404", "408", "413", "429", "499", "500", "502", "503", "504"];

    public RequestLogFilter Filter { get; private set; } = new(Last: "24h");
    public RequestLogChoices Choices { get; private set; } = new([], [], [], [], [], []);

    private RequestLogPage? _page;
    private RequestLogCursor? _before;
    private IReadOnlyList<RecordField>? _detail;
    private List<string> _problems = [];
    private string? _loadedUri;

    private string PeriodValue => Filter.Last ?? (Filter.From is null && Filter.To is null ? "all" : "custom");
    private DateTime? FromDate => Filter.From is { } from ? Calendar.DayOf(from).ToDateTime(TimeOnly.MinValue) : null;
    private DateTime? ToDate => Filter.To is { } to ? Calendar.DayOf(to.AddTicks(-1)).ToDateTime(TimeOnly.MinValue) : null;

    /// <summary>The error codes the filter offers: those seen recently, plus the one in the URL.</summary>
    private IEnumerable<string> ErrorChoices => Filter.Error is { } error && !Choices.Errors.Contains(error) ? [.. Choices.Errors, error] : Choices.Errors;

    /// <summary>The export of exactly what the filters match (a Developer's export is limited to their own by the server).</summary>
    private string CsvUrl => "/api/requests.csv?" + Filter.ToQueryString();

    protected override async Task OnInitializedAsync()
    {
        Navigation.LocationChanged += OnLocationChanged;
        // The page view's first reads run while prerendering and are handed to the interactive render.
        Choices = await Handoff.OnceAsync($"requestlog-choices:{OnlyDeveloperId}", RendererInfo.IsInteractive,
            () => Queries.ChoicesAsync(OnlyDeveloperId, CancellationToken.None));
        await LoadFromUriAsync(first: true);
    }

    private async void OnLocationChanged(object? sender, LocationChangedEventArgs e)
    {
        try
        {
            await InvokeAsync(async () =>
            {
                await LoadFromUriAsync();
                StateHasChanged();
            });
        }
        catch (ObjectDisposedException)
        {
            // The circuit went away while navigating.
        }
    }

    private async Task LoadFromUriAsync(bool first = false)
    {
        if (_loadedUri == Navigation.Uri)
            return;
        _loadedUri = Navigation.Uri;
        var query = QueryHelpers.ParseQuery(new Uri(Navigation.Uri).Query);
        var hasFilter = RequestLogFilter.Names.Any(query.ContainsKey);
        var (filter, problems) = RequestLogFilter.Parse(query);
        _problems = problems.ToDictionary().SelectMany(p => p.Value).ToList();
        Filter = Scoped(hasFilter ? filter : new RequestLogFilter(Last: "24h"));
        _before = RequestLogCursor.Parse(query.TryGetValue("before", out var before) ? before.ToString() : null);
        var (current, cursor) = (Filter, _before);
        Task<RequestLogPage> Read() => Queries.PageAsync(current, cursor, PageSize, CancellationToken.None);
        _page = first ? await Handoff.OnceAsync($"requestlog:{OnlyDeveloperId}:{current.ToQueryString()}:{cursor}:{PageSize}", RendererInfo.IsInteractive, Read) : await Read();
    }

    private RequestLogFilter Scoped(RequestLogFilter filter) => OnlyDeveloperId is { } developer ? filter with { DeveloperId = developer, TeamId = null } : filter;

    /// <summary>Applies a changed filter: back to the newest page, written to the URL (which reloads the rows).</summary>
    public Task SetAsync(RequestLogFilter filter)
    {
        Navigate(Scoped(filter), null);
        return Task.CompletedTask;
    }

    private Task SetPeriodAsync(string period) => SetAsync(period switch
    {
        "custom" => Filter with { Last = null, From = Calendar.StartOf(Calendar.DayOf(DateTimeOffset.UtcNow).AddDays(-6)), To = null },
        "all" => Filter with { Last = null, From = null, To = null },
        _ => Filter with { Last = period, From = null, To = null },
    });

    private Task SetDatesAsync(DateTime? from, DateTime? to)
    {
        var start = from is { } f ? Calendar.StartOf(DateOnly.FromDateTime(f)) : (DateTimeOffset?)null;
        var end = to is { } t ? Calendar.StartOf(DateOnly.FromDateTime(t).AddDays(1)) : (DateTimeOffset?)null;
        if (start is not null && end is not null && end <= start)
            end = start.Value.AddDays(1);
        return SetAsync(Filter with { Last = null, From = start, To = end });
    }

    private Task ClearAsync() => SetAsync(new RequestLogFilter(Last: "24h"));

    private Task OlderAsync()
    {
        Navigate(Filter, _page?.Next);
        return Task.CompletedTask;
    }

    private Task NewestAsync()
    {
        Navigate(Filter, null);
        return Task.CompletedTask;
    }

    private void Navigate(RequestLogFilter filter, RequestLogCursor? before)
    {
        var path = new Uri(Navigation.Uri).GetLeftPart(UriPartial.Path);
        // The developer scope is implied on My access: keep it out of the URL.
        var query = (OnlyDeveloperId is null ? filter : filter with { DeveloperId = null }).ToQueryString();
        if (before is { } cursor)
            query += (query.Length > 0 ? "&" : "") + "before=" + cursor;
        // An empty filter would read as "no filter given" and fall back to the default period.
        Navigation.NavigateTo(path + "?" + (query.Length > 0 ? query : "last="));
    }

    private async Task OpenAsync(long id) => _detail = await Queries.DetailAsync(id, OnlyDeveloperId, CancellationToken.None);

    private string Time(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Calendar.Zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public void Dispose() => Navigation.LocationChanged -= OnLocationChanged;
}
