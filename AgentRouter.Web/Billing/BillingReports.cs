using System.Text;
using AgentRouter.Web.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Billing;

/// <summary>Roll-ups, invoices and the finance attribution view: their services and their read-only endpoints.</summary>
public static class BillingReports
{
    /// <summary>Read-only billing endpoints: an admin API token, or a console cookie with the Admin or Finance role.</summary>
    public const string ReadPolicy = "BillingRead";

    public static IHostApplicationBuilder AddBillingReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InvoiceOptions>().BindConfiguration(InvoiceOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<InvoiceOptions>, ValidateInvoiceOptions>();
        builder.Services.AddSingleton<BillingCalendar>();
        builder.Services.AddSingleton<InvoiceService>();
        builder.Services.AddSingleton<AttributionQueries>();
        builder.Services.AddSingleton<RequestLogQueries>();
        builder.Services.AddSingleton<LatencyQueries>();
        builder.Services.AddRequestLogPolicy();
        builder.Services.AddTransient<UsageRollupJob>();
        builder.Services.AddTransient<InvoiceJob>();
        builder.Services.AddAuthorizationBuilder().AddPolicy(ReadPolicy, policy => policy
            .AddAuthenticationSchemes(AdminTokenHandler.SchemeName, IdentityConstants.ApplicationScheme)
            .RequireRole(Roles.Admin, Roles.Finance));
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingReports(this IEndpointRouteBuilder app)
    {
        var invoices = app.MapGroup("/api/admin/invoices").RequireAuthorization(ReadPolicy).WithTags("Invoices");
        invoices.MapGet("/{month}", GetInvoiceAsync);
        var finance = app.MapGroup("/api/finance").RequireAuthorization(ReadPolicy).WithTags("Finance");
        finance.MapGet("/attribution", GetAttributionAsync);
        finance.MapGet("/attribution.csv", GetAttributionCsvAsync);
        app.MapRequestLogApi();
        return app;
    }

    /// <summary>A month's invoice (<c>yyyy-MM</c>) as JSON, or as CSV for <c>yyyy-MM.csv</c> or <c>?format=csv</c>.
    /// A closed month is read as closed; an open one is computed on demand from the roll-ups.</summary>
    private static async Task<Results<Ok<InvoiceView>, FileContentHttpResult, ValidationProblem>> GetInvoiceAsync(
        string month, string? format, InvoiceService service, CancellationToken ct)
    {
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (month.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            (month, csv) = (month[..^4], true);
        if (!BillingCalendar.TryParseMonth(month, out var parsed))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["month"] = ["Month must be yyyy-MM, e.g. 2026-11."] });
        if (format is not null && !csv && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["Format must be json or csv."] });

        var invoice = await service.GetAsync(parsed, ct);
        return csv
            ? TypedResults.File(Encoding.UTF8.GetBytes(InvoiceView.Csv(invoice)), "text/csv; charset=utf-8", $"invoice-{invoice.Month}.csv")
            : TypedResults.Ok(InvoiceView.From(invoice));
    }

    private static async Task<Results<Ok<AttributionReport>, ValidationProblem>> GetAttributionAsync(
        [AsParameters] AttributionQuery query, AttributionQueries queries, BillingCalendar calendar, TimeProvider clock, CancellationToken ct)
    {
        if (query.ToFilter(calendar, clock) is not { } filter)
            return TypedResults.ValidationProblem(query.Problems(calendar, clock).ToDictionary());
        return TypedResults.Ok(await queries.ReportAsync(filter, ct));
    }

    /// <summary>The finance view's totals table as CSV, for the same filters as the page.</summary>
    private static async Task<Results<FileContentHttpResult, ValidationProblem>> GetAttributionCsvAsync(
        [AsParameters] AttributionQuery query, AttributionQueries queries, BillingCalendar calendar, TimeProvider clock, CancellationToken ct)
    {
        if (query.ToFilter(calendar, clock) is not { } filter)
            return TypedResults.ValidationProblem(query.Problems(calendar, clock).ToDictionary());
        var report = await queries.ReportAsync(filter, ct);
        return TypedResults.File(Encoding.UTF8.GetBytes(AttributionQueries.Csv(report)), "text/csv; charset=utf-8",
            $"attribution-{filter.From:yyyy-MM-dd}-{filter.To:yyyy-MM-dd}.csv");
    }
}

/// <summary>The finance view's filters as query-string parameters (the page builds its CSV link from them).</summary>
public sealed record AttributionQuery(DateOnly? From, DateOnly? To, Guid? TeamId, Guid? DeveloperId, string? Agent, string? Model, string? Billing)
{
    /// <summary>Longest period one request may cover.</summary>
    public const int MaxDays = 3 * 366;

    /// <summary>The filter, defaulting to this month so far; null when a parameter is invalid.</summary>
    public AttributionFilter? ToFilter(BillingCalendar calendar, TimeProvider clock) =>
        Problems(calendar, clock).Any ? null : Resolve(calendar, clock);

    public Problems Problems(BillingCalendar calendar, TimeProvider clock)
    {
        var problems = new Problems();
        var filter = Resolve(calendar, clock);
        problems.Require(filter.From <= filter.To, "to", "'to' must not be before 'from'.");
        problems.Require(filter.To.DayNumber - filter.From.DayNumber < MaxDays, "from", $"A period covers at most {MaxDays} days.");
        problems.Require(Billing is null || ParseBilling(Billing) is not null, "billing", "Billing must be central or passthrough.");
        return problems;
    }

    /// <summary>The query string for this filter, for links to the CSV export.</summary>
    public static string QueryString(AttributionFilter filter)
    {
        var parts = new List<string> { $"from={filter.From:yyyy-MM-dd}", $"to={filter.To:yyyy-MM-dd}" };
        if (filter.TeamId is { } team) parts.Add($"teamId={team}");
        if (filter.DeveloperId is { } developer) parts.Add($"developerId={developer}");
        if (!string.IsNullOrEmpty(filter.Agent)) parts.Add($"agent={Uri.EscapeDataString(filter.Agent)}");
        if (!string.IsNullOrEmpty(filter.Model)) parts.Add($"model={Uri.EscapeDataString(filter.Model)}");
        if (filter.Billing is { } billing) parts.Add($"billing={billing.ToString().ToLowerInvariant()}");
        return string.Join('&', parts);
    }

    private AttributionFilter Resolve(BillingCalendar calendar, TimeProvider clock)
    {
        var today = calendar.DayOf(clock.GetUtcNow());
        var to = To ?? today;
        var from = From ?? new DateOnly(to.Year, to.Month, 1);
        return new AttributionFilter(from, to, TeamId, DeveloperId, string.IsNullOrWhiteSpace(Agent) ? null : Agent,
            string.IsNullOrWhiteSpace(Model) ? null : Model, ParseBilling(Billing));
    }

    private static UsageBilling? ParseBilling(string? text) => text?.ToLowerInvariant() switch
    {
        "central" => UsageBilling.Central,
        "passthrough" => UsageBilling.Passthrough,
        _ => null,
    };
}
