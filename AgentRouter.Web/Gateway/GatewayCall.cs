using AgentRouter.Web.Billing;
using AgentRouter.Web.Pricing;

namespace AgentRouter.Web.Gateway;

/// <summary>What the gateway knows about one request, as the pipeline's steps learn it. Immutable: each step that learns
/// something returns a copy (<c>with</c>), and the usage record is built from the last one, once (<see cref="ToRecord"/>).</summary>
public sealed record GatewayCall(string RequestId, DateTimeOffset At, ApiSurface Surface, KeyGrant Grant, string Agent, string? SessionId)
{
    /// <summary>The model the caller named (the path's for Gemini until the body is read).</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Where the profile sends it, once authorized.</summary>
    public ModelRoute? Route { get; init; }

    /// <summary>The upstream's API operation when the call is translated to another dialect; null when it speaks the caller's.</summary>
    public string? UpstreamSurface { get; init; }

    public UsageBilling Billing { get; init; }

    /// <summary>Admitted past a budget in warn mode.</summary>
    public bool OverBudget { get; init; }

    /// <summary>The usage record of the call as it ended.</summary>
    public UsageRecord ToRecord(CallOutcome outcome, int status, int latencyMs)
    {
        var usage = outcome.Usage;
        return new UsageRecord
        {
            At = At,
            RequestId = RequestId,
            TeamId = Grant.Team.TeamId,
            DeveloperId = Grant.DeveloperId,
            ApiKeyId = Grant.KeyId,
            Agent = Agent,
            SessionId = SessionId,
            Surface = Surface.Name,
            UpstreamSurface = UpstreamSurface,
            RequestedModel = RequestedModel,
            UpstreamModel = outcome.Trail?.ServedBy?.UpstreamModel ?? Route?.UpstreamModel,
            ProviderAccountId = outcome.Trail?.ServedBy?.Account.Id ?? Route?.Account.Id,
            Attempts = outcome.Trail?.Attempts ?? 0,
            Failovers = outcome.Trail?.Failovers,
            Billing = Billing,
            OverBudget = OverBudget,
            Status = status,
            LatencyMs = latencyMs,
            TimeToFirstByteMs = outcome.TimeToFirstByteMs,
            Streamed = outcome.Streamed,
            Error = outcome.Error,
            UsageEstimated = outcome.UsageEstimated,
            InputTokens = usage.Input,
            OutputTokens = usage.Output,
            CacheWriteTokens = usage.CacheWrite,
            CacheReadTokens = usage.CacheRead,
            ReasoningTokens = usage.Reasoning,
            CacheWrite1hTokens = usage.CacheWrite1h,
            WebSearchRequests = usage.WebSearches,
            // Passthrough usage keeps its notional cost; invoices bill it at zero.
            CostUsd = outcome.Charge.Usd,
            LongContext = outcome.Charge.LongContext,
        };
    }
}

/// <summary>How a call ended: why it failed or was refused (one of <see cref="UsageErrors"/>), and what the answer used.</summary>
public sealed record CallOutcome
{
    public static readonly CallOutcome None = new();

    public string? Error { get; init; }

    /// <summary>The billed usage (none for counting surfaces and refusals).</summary>
    public TokenUsage Usage { get; init; }

    /// <summary>The usage is the gateway's estimate (see <see cref="UsageRecord.UsageEstimated"/>).</summary>
    public bool UsageEstimated { get; init; }

    /// <summary>The cost of <see cref="Usage"/> at the catalog prices in force when the call was made.</summary>
    public Charge Charge { get; init; }

    public bool Streamed { get; init; }
    public int? TimeToFirstByteMs { get; init; }

    /// <summary>The target that served and the attempts made (Routing/), once the call was forwarded.</summary>
    public Routing.AttemptTrail? Trail { get; init; }

    public static CallOutcome Failed(string error) => new() { Error = error };
}
