using System.Collections.Frozen;
using System.Diagnostics;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using System.Diagnostics.Metrics;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Telemetry;

/// <summary>Completes a gateway request's span and records its metrics from the finished usage record, so the
/// handler carries no telemetry code beyond starting the spans.</summary>
public sealed class GatewayTelemetry : IDisposable
{
    private readonly PolicyCache policy;
    private readonly IDisposable _budgetGauge;
    private AccountIndex _accounts = new(PolicySnapshot.Empty, FrozenDictionary<Guid, UpstreamAccount>.Empty);

    public GatewayTelemetry(PolicyCache policy, IBudgetLedger ledger)
    {
        this.policy = policy;
        _budgetGauge = RouterTelemetry.BudgetUtilization.Observe(() => BudgetUse(ledger));
    }

    public void Dispose() => _budgetGauge.Dispose();

    /// <summary>Called with each finished record, on the request's own flow (its span is current).</summary>
    public void Completed(UsageRecord record)
    {
        var span = Activity.Current is { } current && current.Source == RouterTelemetry.Source && current.OperationName == RouterTelemetry.RequestSpan ? current : null;
        var metrics = RouterTelemetry.OperationDuration.Enabled || RouterTelemetry.TokenUsage.Enabled || RouterTelemetry.Refusals.Enabled;
        if (span is null && !metrics)
            return;

        var snapshot = policy.Current;
        var team = snapshot.Teams.TryGetValue(record.TeamId, out var t) ? t.Slug : record.TeamId.ToString();
        var account = record.ProviderAccountId is { } accountId ? Account(snapshot, accountId) : null;
        var operation = RouterTelemetry.OperationName(record.Surface);
        var provider = account is null ? null : account.Adapter.TelemetryName;
        var failed = record.Error is not null || record.Status >= 400;
        var errorType = record.Error ?? (record.Status >= 400 ? record.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);

        if (span is { IsAllDataRequested: true })
        {
            span.DisplayName = record.RequestedModel is null ? operation : $"{operation} {record.RequestedModel}";
            span.SetTag("gen_ai.provider.name", provider);
            span.SetTag("gen_ai.request.model", record.RequestedModel);
            span.SetTag("gen_ai.response.model", record.UpstreamModel);
            span.SetTag("gen_ai.usage.input_tokens", record.InputTokens + record.CacheWriteTokens + record.CacheReadTokens);
            span.SetTag("gen_ai.usage.output_tokens", record.OutputTokens);
            span.SetTag("agentrouter.team", team);
            span.SetTag("agentrouter.team.id", record.TeamId);
            span.SetTag("agentrouter.developer.id", record.DeveloperId);
            span.SetTag("agentrouter.api_key.id", record.ApiKeyId);
            span.SetTag("agentrouter.agent", record.Agent);
            span.SetTag("agentrouter.request.id", record.RequestId);
            span.SetTag("agentrouter.provider.account", account?.Name);
            span.SetTag("http.response.status_code", record.Status);
            if (failed)
            {
                span.SetTag("error.type", errorType);
                span.SetStatus(ActivityStatusCode.Error, record.Error);
            }
        }
        if (!metrics)
            return;

        var tags = new TagList
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.provider.name", provider },
            { "gen_ai.request.model", record.RequestedModel },
            { "gen_ai.response.model", record.UpstreamModel },
            { "agentrouter.team", team },
        };
        if (record.InputTokens + record.OutputTokens + record.CacheWriteTokens + record.CacheReadTokens > 0)
        {
            var input = tags;
            input.Add("gen_ai.token.type", "input");
            RouterTelemetry.TokenUsage.Record(record.InputTokens + record.CacheWriteTokens + record.CacheReadTokens, input);
            var output = tags;
            output.Add("gen_ai.token.type", "output");
            RouterTelemetry.TokenUsage.Record(record.OutputTokens, output);
        }
        if (record.Streamed && record.TimeToFirstByteMs is { } ttfb)
            RouterTelemetry.TimeToFirstChunk.Record(ttfb / 1000.0, tags);
        var duration = tags;
        if (errorType is not null)
            duration.Add("error.type", errorType);
        RouterTelemetry.OperationDuration.Record(record.LatencyMs / 1000.0, duration);

        // The gateway's own refusals are 4xx answers it wrote itself (499 is the client leaving, not a refusal).
        if (record.Error is { } reason && record.Status is >= 400 and < 499)
            RouterTelemetry.Refusals.Add(1, new TagList { { "reason", reason }, { "agentrouter.team", team } });
        if (account is not null && IsUpstreamError(record))
            RouterTelemetry.UpstreamErrors.Add(1, new TagList { { "agentrouter.provider.account", account.Name }, { "gen_ai.provider.name", provider }, { "error.type", errorType } });
        if (t is { Budgets.Count: > 0 } && (record.Billing == UsageBilling.Central || t.PassthroughCountsAgainstBudget) && record.TotalTokens > 0)
            RouterTelemetry.BudgetTokens.Add(record.TotalTokens, new TagList { { "agentrouter.team", team } });
    }

    /// <summary>Failures that are the provider's: the gateway could not get a whole answer, or the provider
    /// answered with its own 429 or 5xx (which the gateway passes through without an error of its own).</summary>
    private static bool IsUpstreamError(UsageRecord record) =>
        record.Error is UsageErrors.UpstreamUnreachable or UsageErrors.UpstreamTimeout or UsageErrors.UpstreamFailedMidResponse or UsageErrors.UpstreamStreamError
        || (record.Error is null && record.Status is 429 or >= 500);

    private UpstreamAccount? Account(PolicySnapshot snapshot, Guid id)
    {
        var cached = Volatile.Read(ref _accounts);
        if (!ReferenceEquals(cached.Snapshot, snapshot))
        {
            // Rebuilt once per policy change, not per request.
            cached = new AccountIndex(snapshot, snapshot.Teams.Values.SelectMany(t => t.Models).Select(m => m.Account).DistinctBy(a => a.Id).ToFrozenDictionary(a => a.Id));
            Volatile.Write(ref _accounts, cached);
        }
        return cached.Accounts.GetValueOrDefault(id);
    }

    /// <summary>How far each team-pool budget is into its window (per-developer budgets would be one series per person).</summary>
    private IEnumerable<Measurement<double>> BudgetUse(IBudgetLedger ledger)
    {
        foreach (var team in policy.Current.Teams.Values)
        {
            foreach (var budget in team.Budgets)
            {
                if (budget.Scope != BudgetScope.Team)
                    continue;
                var (tokens, usd, _) = ledger.Current(team, budget, team.TeamId);
                var fraction = Math.Max(budget.Tokens is { } limit ? (double)tokens / limit : 0, budget.Usd is { } usdLimit ? (double)(usd / usdLimit) : 0);
                yield return new Measurement<double>(fraction, new KeyValuePair<string, object?>("agentrouter.team", team.Slug),
                    new KeyValuePair<string, object?>("agentrouter.budget.cadence", budget.Cadence.ToString().ToLowerInvariant()));
            }
        }
    }

    private sealed record AccountIndex(PolicySnapshot Snapshot, FrozenDictionary<Guid, UpstreamAccount> Accounts);
}
