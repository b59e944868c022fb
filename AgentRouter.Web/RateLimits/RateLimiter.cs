using System.Globalization;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.RateLimits;

/// <summary>Pipeline step 4b (admit): counts a request against its team's rate limits (per key, per developer, per
/// team: requests and tokens per minute, requests in flight), and tells the caller where it stands in its own
/// dialect's rate-limit headers. Minutes are fixed windows on the clock; tokens are reserved by estimate and
/// settled with what the provider reported, as budgets are.</summary>
public sealed class RateLimiter(IRateLimitCounters counters, TimeProvider clock)
{
    /// <summary>Charges the request against every limit of its team. On success the ticket must be settled once.
    /// Either way, the response will carry the tightest limit's headers.</summary>
    public async ValueTask<RateLimitTicket> AdmitAsync(HttpContext context, ApiDialect dialect, KeyGrant grant, long estimatedTokens)
    {
        var limits = grant.Team.Limits;
        if (limits.Count == 0)
            return RateLimitTicket.None;
        var now = clock.GetUtcNow();
        var minute = now.ToUnixTimeSeconds() / 60;
        var charges = new CounterCharge[Count(limits)];
        var n = 0;
        foreach (var limit in limits)
        {
            var owner = limit.Scope switch
            {
                RateLimitScope.Team => grant.Team.TeamId,
                // A service key (no developer) is its own developer.
                RateLimitScope.Developer => grant.DeveloperId ?? grant.KeyId,
                _ => grant.KeyId,
            };
            if (limit.RequestsPerMinute is { } rpm)
                charges[n++] = Charge(limit.Scope, owner, RateMetric.Requests, minute, 1, rpm);
            if (limit.TokensPerMinute is { } tpm)
                charges[n++] = Charge(limit.Scope, owner, RateMetric.Tokens, minute, estimatedTokens, tpm);
            if (limit.Concurrent is { } concurrent)
                charges[n++] = Charge(limit.Scope, owner, RateMetric.Concurrent, 0, 1, concurrent);
        }
        var refused = await counters.TryChargeAsync(charges);
        var ticket = new RateLimitTicket(charges, refused, now, dialect, context.Response);
        // Written as the answer starts, over whatever the provider said about the organisation's own account.
        context.Response.OnStarting(static state => ((RateLimitTicket)state).WriteHeaders(), ticket);
        if (refused >= 0)
            context.Response.Headers.RetryAfter = ticket.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ticket;
    }

    /// <summary>Replaces the token estimate by the reported usage and frees the concurrency slot. Idempotent.</summary>
    public ValueTask SettleAsync(RateLimitTicket ticket, in TokenUsage usage)
    {
        if (ticket.Refusal is not null || ticket.Charges.Length == 0 || Interlocked.Exchange(ref ticket.Settled, 1) == 1)
            return ValueTask.CompletedTask;
        var used = RateLimitTicket.CountedTokens(usage);
        foreach (ref var charge in ticket.Charges.AsSpan())
        {
            charge.Amount = charge.Counter.Metric switch
            {
                RateMetric.Tokens => used - charge.Amount,
                RateMetric.Concurrent => -1,
                _ => 0,
            };
        }
        return counters.AdjustAsync(ticket.Charges);
    }

    private static int Count(IReadOnlyList<RateLimitPolicy> limits)
    {
        var count = 0;
        foreach (var limit in limits)
            count += (limit.RequestsPerMinute is null ? 0 : 1) + (limit.TokensPerMinute is null ? 0 : 1) + (limit.Concurrent is null ? 0 : 1);
        return count;
    }

    private static CounterCharge Charge(RateLimitScope scope, Guid owner, RateMetric metric, long window, long amount, long limit) =>
        new() { Counter = new CounterId(scope, owner, metric), Window = window, Amount = amount, Limit = limit };
}

/// <summary>One request's standing against its rate limits.</summary>
public sealed class RateLimitTicket
{
    public static readonly RateLimitTicket None = new([], -1, default, ApiDialect.Anthropic, null);

    private readonly HttpResponse? _response;
    internal int Settled;

    internal RateLimitTicket(CounterCharge[] charges, int refused, DateTimeOffset at, ApiDialect dialect, HttpResponse? response)
    {
        Charges = charges;
        At = at;
        Dialect = dialect;
        _response = response;
        if (refused >= 0)
        {
            // The charges before the refused one were taken back: their levels no longer include this request.
            for (var i = 0; i < refused; i++)
                charges[i].Level -= charges[i].Amount;
            RefusedCharge = charges[refused];
            Refusal = GatewayError.RateLimited(Message(charges[refused]));
        }
    }

    internal CounterCharge[] Charges { get; }
    public DateTimeOffset At { get; }
    public ApiDialect Dialect { get; }

    /// <summary>The 429 to answer with when a limit refused the request; null when admitted.</summary>
    public GatewayError? Refusal { get; }

    /// <summary>The limit that refused the request.</summary>
    public CounterCharge? RefusedCharge { get; }

    internal int RetryAfterSeconds => RefusedCharge is { Counter.Metric: RateMetric.Concurrent }
        // A slot frees whenever one of the caller's requests ends.
        ? 1
        : SecondsToReset(RefusedCharge?.Window ?? 0);

    /// <summary>Tokens a rate limit counts: input (uncached and cache writes) and output; cache reads are free, as at Anthropic.</summary>
    public static long CountedTokens(in TokenUsage usage) => usage.Input + usage.CacheWrite + usage.Output;

    /// <summary>The limit per metric with the least left: the one a well-behaved client must respect.</summary>
    public (long Limit, long Remaining, long Window)? Tightest(RateMetric metric)
    {
        (long, long, long)? tightest = null;
        foreach (var charge in Charges)
        {
            if (charge.Counter.Metric != metric)
                continue;
            var remaining = Math.Max(0, charge.Limit - charge.Level);
            if (tightest is null || remaining < tightest.Value.Item2)
                tightest = (charge.Limit, remaining, charge.Window);
        }
        return tightest;
    }

    internal Task WriteHeaders()
    {
        WriteMetric(RateMetric.Requests, "requests");
        WriteMetric(RateMetric.Tokens, "tokens");
        return Task.CompletedTask;
    }

    private void WriteMetric(RateMetric metric, string name)
    {
        if (_response is null || Tightest(metric) is not var (limit, remaining, window))
            return;
        var headers = _response.Headers;
        var limitText = limit.ToString(CultureInfo.InvariantCulture);
        var remainingText = remaining.ToString(CultureInfo.InvariantCulture);
        switch (Dialect)
        {
            case ApiDialect.Anthropic:
                // RFC 3339 instant at which the limit is fully replenished.
                headers[$"anthropic-ratelimit-{name}-limit"] = limitText;
                headers[$"anthropic-ratelimit-{name}-remaining"] = remainingText;
                headers[$"anthropic-ratelimit-{name}-reset"] = DateTimeOffset.FromUnixTimeSeconds((window + 1) * 60).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                break;
            case ApiDialect.OpenAI:
                // A duration until the reset, as OpenAI writes it: "45s", "1m0s".
                headers[$"x-ratelimit-limit-{name}"] = limitText;
                headers[$"x-ratelimit-remaining-{name}"] = remainingText;
                headers[$"x-ratelimit-reset-{name}"] = Duration(SecondsToReset(window));
                break;
        }
    }

    private int SecondsToReset(long window) => Math.Max(1, (int)Math.Ceiling(((window + 1) * 60 - At.ToUnixTimeMilliseconds() / 1000.0)));

    private static string Duration(int seconds) => seconds < 60
        ? $"{seconds}s"
        : $"{seconds / 60}m{seconds % 60}s";

    private static string Message(CounterCharge charge)
    {
        var who = charge.Counter.Scope switch
        {
            RateLimitScope.Team => "your team",
            RateLimitScope.Developer => "each developer",
            _ => "each key",
        };
        return charge.Counter.Metric switch
        {
            RateMetric.Requests => $"Rate limit exceeded: {charge.Limit} requests per minute for {who}. Retry after the reset.",
            RateMetric.Concurrent => $"Rate limit exceeded: {charge.Limit} concurrent requests for {who}. Retry when one of them has finished.",
            _ when charge.Amount > charge.Limit => $"Rate limit exceeded: this request may use up to {charge.Amount} tokens, more than the {charge.Limit} tokens per minute allowed for {who}. Lower max_tokens or shorten the request.",
            _ => $"Rate limit exceeded: {charge.Limit} tokens per minute (input + output) for {who}; this request may use up to {charge.Amount} and {Math.Max(0, charge.Limit - charge.Level)} are left. Retry after the reset.",
        };
    }
}
