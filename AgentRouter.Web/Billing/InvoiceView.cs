namespace AgentRouter.Web.Billing;

/// <summary>Requests, tokens and cost of one billing mode. <see cref="CostUsd"/> is what the usage cost at the prices then
/// in force; <see cref="BilledUsd"/> is what is charged (zero for passthrough).</summary>
public sealed record AmountsView(long Requests, long InputTokens, long OutputTokens, long CacheWriteTokens, long CacheReadTokens, long Tokens,
    decimal CostUsd, decimal BilledUsd)
{
    internal static AmountsView Central(InvoiceAmounts a) => new(a.Requests, a.InputTokens, a.OutputTokens, a.CacheWriteTokens, a.CacheReadTokens, a.Tokens, a.CostUsd, a.CostUsd);
    internal static AmountsView Passthrough(InvoiceAmounts a) => new(a.Requests, a.InputTokens, a.OutputTokens, a.CacheWriteTokens, a.CacheReadTokens, a.Tokens, a.CostUsd, 0m);
}

/// <summary>Central and passthrough side by side; <see cref="BilledUsd"/> is the central cost only.</summary>
public sealed record InvoiceTotals(AmountsView Central, AmountsView Passthrough, decimal BilledUsd, decimal NotionalPassthroughUsd)
{
    internal static InvoiceTotals Of(IEnumerable<InvoiceLine> lines)
    {
        InvoiceAmounts central = new(), passthrough = new();
        foreach (var line in lines)
        {
            central.Add(line.Central);
            passthrough.Add(line.Passthrough);
        }
        return new(AmountsView.Central(central), AmountsView.Passthrough(passthrough), central.CostUsd, passthrough.CostUsd);
    }
}

public sealed record InvoiceDeveloperView(Guid? DeveloperId, string Developer, AmountsView Central, AmountsView Passthrough, decimal BilledUsd);

public sealed record InvoiceAgentView(string Agent, InvoiceTotals Totals, IReadOnlyList<InvoiceDeveloperView> Developers);

public sealed record InvoiceTeamView(Guid TeamId, string Team, InvoiceTotals Totals, IReadOnlyList<InvoiceAgentView> Agents);

/// <summary>An invoice as the API and the console show it: team → agent → developer, with totals at each level.</summary>
public sealed record InvoiceView(string Month, string Status, string TimeZone, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    DateTimeOffset ComputedAt, DateTimeOffset? ClosedAt, InvoiceTotals Totals, IReadOnlyList<InvoiceTeamView> Teams)
{
    public static InvoiceView From(Invoice invoice)
    {
        var teams = Ordered(invoice.Lines).GroupBy(l => (l.TeamId, l.Team)).Select(team => new InvoiceTeamView(team.Key.TeamId, team.Key.Team, InvoiceTotals.Of(team),
            team.GroupBy(l => l.Agent).Select(agent => new InvoiceAgentView(agent.Key, InvoiceTotals.Of(agent),
                agent.Select(l => new InvoiceDeveloperView(l.DeveloperId == Guid.Empty ? null : l.DeveloperId, l.Developer,
                    AmountsView.Central(l.Central), AmountsView.Passthrough(l.Passthrough), l.BilledUsd)).ToList())).ToList())).ToList();
        return new(invoice.Month, invoice.Status.ToString().ToLowerInvariant(), invoice.TimeZone, invoice.PeriodStart, invoice.PeriodEnd,
            invoice.ComputedAt, invoice.ClosedAt, InvoiceTotals.Of(invoice.Lines), teams);
    }

    /// <summary>One row per line (team, agent, developer), central and passthrough columns side by side, then a total row.</summary>
    public static string Csv(Invoice invoice)
    {
        var csv = new Csv().Row("month", "status", "team", "agent", "developer",
            "central_requests", "central_input_tokens", "central_output_tokens", "central_cache_write_tokens", "central_cache_read_tokens", "central_cost_usd",
            "passthrough_requests", "passthrough_input_tokens", "passthrough_output_tokens", "passthrough_cache_write_tokens", "passthrough_cache_read_tokens",
            "passthrough_notional_cost_usd", "billed_usd");
        var status = invoice.Status.ToString().ToLowerInvariant();
        foreach (var l in Ordered(invoice.Lines))
            csv.Row(invoice.Month, status, l.Team, l.Agent, l.Developer,
                l.Central.Requests, l.Central.InputTokens, l.Central.OutputTokens, l.Central.CacheWriteTokens, l.Central.CacheReadTokens, l.Central.CostUsd,
                l.Passthrough.Requests, l.Passthrough.InputTokens, l.Passthrough.OutputTokens, l.Passthrough.CacheWriteTokens, l.Passthrough.CacheReadTokens,
                l.Passthrough.CostUsd, l.BilledUsd);
        var t = InvoiceTotals.Of(invoice.Lines);
        csv.Row(invoice.Month, status, "TOTAL", "", "",
            t.Central.Requests, t.Central.InputTokens, t.Central.OutputTokens, t.Central.CacheWriteTokens, t.Central.CacheReadTokens, t.Central.CostUsd,
            t.Passthrough.Requests, t.Passthrough.InputTokens, t.Passthrough.OutputTokens, t.Passthrough.CacheWriteTokens, t.Passthrough.CacheReadTokens,
            t.Passthrough.CostUsd, t.BilledUsd);
        return csv.ToString();
    }

    private static IEnumerable<InvoiceLine> Ordered(IEnumerable<InvoiceLine> lines) => lines
        .OrderBy(l => l.Team, StringComparer.OrdinalIgnoreCase).ThenBy(l => l.TeamId)
        .ThenBy(l => l.Agent, StringComparer.Ordinal)
        .ThenBy(l => l.Developer, StringComparer.OrdinalIgnoreCase).ThenBy(l => l.DeveloperId);
}
