using System.Diagnostics;
using System.Globalization;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Pricing;
using AgentRouter.Web.RateLimits;
using AgentRouter.Web.Telemetry;
using AgentRouter.Web.Translation;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Gateway;

/// <summary>Runs one model request through the pipeline: identify, authorize and resolve, forward, observe, record.
/// Each step lives in its own class; this one only sequences them and answers refusals in the caller's dialect.</summary>
public sealed class GatewayHandler(
    KeyIdentifier identifier,
    IHttpForwarder forwarder,
    UpstreamClients clients,
    UsageRecorder recorder,
    IBudgetLedger budgets,
    RateLimiter rateLimits,
    IOptions<GatewayOptions> options,
    IOptions<BudgetOptions> budgetOptions,
    TimeProvider clock,
    Routing.Failover failover)
{
    public const string RemainingTokensHeader = "x-agentrouter-budget-remaining-tokens";
    public const string RemainingUsdHeader = "x-agentrouter-budget-remaining-usd";

    /// <summary>Recorded when a client closed its connection before an answer could start (nginx's convention).</summary>
    private const int StatusCodeClientClosedRequest = 499;

    /// <summary>The most tokens any answer is believed when the catalog does not give the model's context window.</summary>
    private const long UnknownContextWindow = 10_000_000;

    /// <summary>The most server-tool uses (web searches) one answer is believed to have run.</summary>
    private const long MaxServerToolUses = 10_000;

    private readonly ForwarderRequestConfig _forwarding = new() { ActivityTimeout = options.Value.UpstreamIdleTimeout };

    /// <param name="pathModel">The model named in the path (Gemini), else null: the body names it.</param>
    public async Task HandleAsync(HttpContext context, ApiSurface surface, string? pathModel)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = RouterTelemetry.StartRequest(surface);
        var requestId = NewRequestId();
        context.TraceIdentifier = requestId;
        context.Response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;
        CostReport.Attach(context);

        var grant = identifier.Identify(context.Request, out var refusal);
        if (grant is null)
        {
            await refusal!.WriteAsync(context, surface.Dialect);
            return;
        }

        // Known before the body is read for Gemini (the path names it); the body's model replaces it otherwise.
        var progress = new Progress(new GatewayCall(requestId, clock.GetUtcNow(), surface, grant,
            AgentDetector.Detect(context.Request, grant.ServiceAgent), Truncate(context.Request.Headers["x-claude-code-session-id"].ToString(), 100))
        {
            RequestedModel = Truncate(pathModel, 200),
        });
        try
        {
            await ForwardAsync(context, progress, pathModel, started);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (e.g. while sending its body): nothing to answer, but the attempt is recorded.
            progress.Outcome = progress.Outcome with { Error = UsageErrors.ClientDisconnected };
            if (!context.Response.HasStarted)
                context.Response.StatusCode = StatusCodeClientClosedRequest;
        }
        catch
        {
            progress.Outcome = progress.Outcome with { Error = UsageErrors.GatewayError };
            // The exception handler answers 500 once this returns; record what the caller will see.
            if (!context.Response.HasStarted)
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            var outcome = Hosting.InFlightRequests.EndedByShutdown(context) ? progress.Outcome with { Error = UsageErrors.Shutdown } : progress.Outcome;
            await recorder.RecordAsync(progress.Call.ToRecord(outcome, context.Response.StatusCode, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }
    }

    /// <summary>The latest of the immutable call and its outcome, kept for the record whatever step ends the request.</summary>
    private sealed class Progress(GatewayCall call)
    {
        public GatewayCall Call { get; set; } = call;
        public CallOutcome Outcome { get; set; } = CallOutcome.None;
    }

    private async Task ForwardAsync(HttpContext context, Progress progress, string? pathModel, long started)
    {
        var call = progress.Call;
        var surface = call.Surface;
        var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Refuse(context, progress, tooLarge!, UsageErrors.RequestTooLarge);
            return;
        }
        using var _ = body;

        // One strict reading: what the gateway decides on is what the provider will read.
        if (body.Inspect(surface.Schema) is { } invalid)
        {
            await Refuse(context, progress, invalid, UsageErrors.InvalidRequest);
            return;
        }
        var requested = surface.HasModelInBody ? body.Model : pathModel;
        progress.Call = call = call with { RequestedModel = Truncate(requested, 200) };
        if (string.IsNullOrWhiteSpace(requested))
        {
            await Refuse(context, progress, GatewayError.InvalidRequest("The request must name a model (the \"model\" field)."), UsageErrors.InvalidRequest);
            return;
        }
        if (!surface.HasModelInBody && body.Model is { } bodyModel && bodyModel != requested && bodyModel != "models/" + requested)
        {
            await Refuse(context, progress, GatewayError.InvalidRequest(
                $"The body names model '{bodyModel}' but the path names '{requested}'. Name the model in the path only."), UsageErrors.InvalidRequest);
            return;
        }

        // Steps 2 and 3: authorize against the team's profile and resolve the pinned route.
        var grant = call.Grant;
        var route = grant.Team.Resolve(requested);
        if (route is null)
        {
            await Refuse(context, progress, GatewayError.Forbidden(NotApprovedMessage(requested, grant.Team, surface)), UsageErrors.ModelNotApproved);
            return;
        }
        // A model served through another provider's API: the request is translated, or refused naming what cannot map.
        GatewayError? untranslatable = null;
        var translation = route.Account.Adapter.Serves(surface) ? null
            : Translator.Prepare(context, surface, route, body, requested, route.Limits?.MaxOutputTokens ?? budgetOptions.Value.DefaultMaxTokens, out untranslatable);
        progress.Call = call = call with { Route = route, UpstreamSurface = translation?.Upstream.Name };
        if (untranslatable is not null)
        {
            await Refuse(context, progress, untranslatable, UsageErrors.NotTranslatable);
            return;
        }
        if (body.OutputLimit > route.Limits?.MaxOutputTokens)
        {
            await Refuse(context, progress, GatewayError.InvalidRequest(
                $"\"{body.OutputLimitField}\" is {body.OutputLimit}, more than the {route.Limits.MaxOutputTokens} output tokens '{requested}' can produce."), UsageErrors.InvalidRequest);
            return;
        }

        // Billing: the organisation's account, or the developer's own Claude subscription (passthrough).
        var passthroughToken = KeyIdentifier.PassthroughToken(context.Request);
        if (BillingRefusal(grant.Team, route, passthroughToken) is { } billingRefusal)
        {
            await Refuse(context, progress, billingRefusal, UsageErrors.BillingMode);
            return;
        }
        var passthrough = passthroughToken is not null;
        progress.Call = call = call with { Billing = passthrough ? UsageBilling.Passthrough : UsageBilling.Central };

        // Step 4: admit against the team's budgets, reserving an estimate until the answer's real usage is known.
        var estimate = Estimate(body, route);
        var budgetSpan = RouterTelemetry.StartBudgetAdmission();
        var admission = surface.IsBilled && (!passthrough || grant.Team.PassthroughCountsAgainstBudget)
            ? await budgets.AdmitAsync(grant.Team, grant.DeveloperId ?? grant.KeyId, estimate.Total, route.Price?.At(call.At)?.Cost(estimate).Usd ?? 0m)
            : Admission.Unlimited;
        RouterTelemetry.EndBudgetAdmission(budgetSpan, admission);
        if (admission.Unavailable is { } unavailable)
        {
            await Refuse(context, progress, GatewayError.Unavailable(unavailable), UsageErrors.BudgetUnavailable);
            return;
        }
        if (admission.Refusal is { } refusal)
        {
            context.Response.Headers.RetryAfter = refusal.Window.SecondsUntilReset(clock.GetUtcNow()).ToString(CultureInfo.InvariantCulture);
            await Refuse(context, progress, GatewayError.BudgetExceeded(refusal.Message(budgets.Zone)), UsageErrors.BudgetExceeded);
            return;
        }
        progress.Call = call = call with { OverBudget = admission.OverBudget };
        if (admission.RemainingTokens is { } remainingTokens)
            context.Response.Headers[RemainingTokensHeader] = remainingTokens.ToString(CultureInfo.InvariantCulture);
        if (admission.RemainingUsd is { } remainingUsd)
            context.Response.Headers[RemainingUsdHeader] = remainingUsd.ToString("0.######", CultureInfo.InvariantCulture);
        CostReport.Of(context).Admitted(admission);
        var limits = await rateLimits.AdmitAsync(context, surface.Dialect, grant, surface.IsBilled ? estimate.Total : 0);
        if (limits.Refusal is { } limited)
        {
            await budgets.SettleAsync(admission, 0, 0);
            await Refuse(context, progress, limited, UsageErrors.RateLimited);
            return;
        }

        var outcome = CallOutcome.None;
        try
        {
            outcome = progress.Outcome = await ForwardAndObserveAsync(context, call, route, body, started, passthroughToken, estimate, translation);
            await CostReport.Of(context).CompleteAsync(outcome.Charge.Usd, admission, outcome.Usage.Total, context.RequestAborted.IsCancellationRequested, context.RequestAborted);
        }
        finally
        {
            await budgets.SettleAsync(admission, outcome.Usage.Total, outcome.Charge.Usd);
            await rateLimits.SettleAsync(limits, outcome.Usage);
        }
    }

    private async Task<CallOutcome> ForwardAndObserveAsync(HttpContext context, GatewayCall call, ModelRoute route, RequestBody body, long started,
        string? passthroughToken, TokenUsage estimate, Translation.Translation? translation)
    {
        // Step 5: forward. OpenAI only reports usage on streams when asked: the gateway always asks, and hides the
        // answer from a client that did not.
        var surface = call.Surface;
        var askForStreamUsage = surface == ApiSurface.OpenAIChat && body.Stream && translation is null;
        var withholdUsageChunk = askForStreamUsage && !body.IncludeUsage;
        context.Request.Headers.TransferEncoding = default;

        // The tap reads the upstream's own usage in the upstream's dialect; a translation sits between it and the caller.
        var clientBody = context.Response.Body;
        var reported = CostReport.Of(context).Wrap(clientBody, body.Stream || surface.StreamsByPath);
        var tap = new UsageTap(translation?.WrapResponse(reported, context) ?? reported, context.Response, (translation?.Upstream ?? surface).Dialect, withholdUsageChunk);
        context.Response.Body = tap;
        var error = ForwarderError.None;
        UpstreamPlan? plan = null;
        UpstreamTransformer? transformer = null;
        // Failover (Routing/): each attempt goes to the next target; an answer that may fail over is held back meanwhile.
        // A translated call only fails over to targets that speak the same upstream API (the translation and the tap are
        // set up for it).
        var attempts = failover.Start(route, t => t.Account.Adapter.Serves(translation?.Upstream ?? surface)
            && (passthroughToken is null || t.Account.Adapter.AcceptsSubscriptionToken));
        try
        {
            while (attempts.TryNext(out route))
            {
                // A target of another kind may have replaced the whole body (Vertex AI, Bedrock): start from the body as read.
                body.Restore();
                var upstreamCall = translation?.UpstreamCall(route, context.Request.Headers, passthroughToken)
                    ?? new UpstreamCall(surface, route.Account, route.UpstreamModel, body, ForwardedHeaders.FilterQuery(context.Request.QueryString),
                        context.Request.Headers, askForStreamUsage, passthroughToken);
                plan = await route.Account.Adapter.PlanAsync(upstreamCall, context.RequestAborted);
                if (translation is not null)
                    plan = translation.Adjust(plan);
                // The translated body is this attempt's own; it goes back to the pool once the attempt is done.
                using var translated = translation is null ? null : upstreamCall.Body;
                // A target whose account cannot be used now leaves the call to the next one; the last refusal is answered.
                if (plan.Refusal is not null)
                {
                    if (attempts.Refused(route, plan.RefusalCode))
                        continue;
                    break;
                }
                var sent = upstreamCall.Body;
                context.Request.Body = sent.AsStream();
                context.Request.ContentLength = sent.Length;
                transformer = new UpstreamTransformer(plan, route.Account, call.RequestId, sent.Memory);
                using var upstreamSpan = RouterTelemetry.StartUpstream(route.Account, plan.Url);
                var account = route.Account;
                error = await attempts.SendAsync(context, route, transformer, t => forwarder.SendAsync(context, account.BaseUrl, clients.For(account), _forwarding, t));
                RouterTelemetry.EndUpstream(upstreamSpan, error, context.Response.StatusCode);
            }
        }
        finally
        {
            context.Response.Body = clientBody;
        }
        route = attempts.Served ?? route;
        if (plan?.Refusal is { } refused)
        {
            await refused.WriteAsync(context, surface.Dialect);
            return CallOutcome.Failed(plan.RefusalCode ?? UsageErrors.UpstreamUnreachable) with { Trail = attempts.Trail };
        }

        // Step 6: what the provider reported, even for an answer cut short.
        try
        {
            if (plan?.Decoder is { } decoder && transformer?.UpstreamStatus is > 0)
                await decoder.CompleteAsync(context.RequestAborted);
            await tap.CompleteAsync(context.RequestAborted);
            // With no answer there is nothing to translate (it would report an untranslatable answer): 503 below.
            if (translation is not null && !attempts.Unanswered)
                await translation.CompleteAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            error = ForwarderError.ResponseBodyClient;
        }
        if (attempts.Unanswered)
        {
            // Which accounts and pinned models were tried goes to the usage record, not to the developer.
            var trail = attempts.Trail;
            await GatewayError.Unavailable($"No target of '{route.PublicName}' could answer ({trail.Attempts} tried). Try again shortly.").WriteAsync(context, surface.Dialect);
            return CallOutcome.Failed(UsageErrors.TargetsUnavailable) with { Trail = trail };
        }
        var outcome = new CallOutcome
        {
            Trail = attempts.Trail,
            Streamed = tap.IsEventStream || surface.StreamsByPath,
            TimeToFirstByteMs = tap.FirstByteTimestamp == 0 ? null : (int)Stopwatch.GetElapsedTime(started, tap.FirstByteTimestamp).TotalMilliseconds,
            Error = error == ForwarderError.None ? null : Describe(error),
        };
        if (surface.IsBilled)
        {
            // A successful answer is paid for: when its usage cannot be read exactly (cut short, an error event, no
            // usage, unreadable, or impossible numbers), the gateway's estimate is recorded, flagged, and charged.
            var usage = tap.Usage;
            // (Answered as one, too: a decoder may turn a failure reported inside a 200, e.g. Bedrock's first-frame
            // exception, into an error answer, which is not paid for.)
            if (transformer?.UpstreamStatus is >= 200 and < 300 && context.Response.StatusCode is >= 200 and < 300)
            {
                var plausible = IsPlausible(usage, route, estimate);
                var problem = outcome.Error ?? tap.Problem ?? (plausible ? null : UsageErrors.UsageImplausible);
                if (problem is not null)
                {
                    outcome = outcome with { Error = problem, UsageEstimated = true };
                    usage = Estimated(plausible ? usage : default, estimate);
                }
            }
            outcome = outcome with { Usage = usage, Charge = route.Price?.At(call.At)?.Cost(usage) ?? default };
        }
        if (error != ForwarderError.None)
            await UpstreamFailure(error).WriteAsync(context, surface.Dialect);
        return outcome;
    }

    /// <summary>Whether the team's billing mode allows how this request wants to be paid for. A subscription
    /// token is only ever sent to a kind that accepts one (Anthropic's own API).</summary>
    private static GatewayError? BillingRefusal(TeamPolicy team, ModelRoute route, string? passthroughToken) =>
        (passthroughToken, team.Billing) switch
        {
            (not null, BillingMode.Central) => GatewayError.Forbidden(
                $"Team '{team.Slug}' is billed centrally: send your Agent Router key as the API key and no Claude subscription token."),
            (not null, _) when !route.Account.Adapter.AcceptsSubscriptionToken => GatewayError.Forbidden(
                $"A Claude subscription token is only sent to Anthropic; '{route.PublicName}' is served by a {route.Account.Adapter.DisplayName} account."),
            (null, BillingMode.PassthroughRequired) => GatewayError.Forbidden(
                $"Team '{team.Slug}' uses developers' own Claude subscriptions: sign in to Claude (ANTHROPIC_AUTH_TOKEN) and send your Agent Router key in the x-agent-router-key header (ANTHROPIC_CUSTOM_HEADERS=\"x-agent-router-key: ar_…\")."),
            _ => null,
        };

    /// <summary>A deliberately high estimate: a token is rarely fewer than 4 bytes of JSON, and the answer may use its
    /// whole output limit (the request's own, else the model's maximum), once per answer asked for.</summary>
    private TokenUsage Estimate(RequestBody body, ModelRoute route) => new()
    {
        Input = body.Length / 4,
        Output = (body.OutputLimit ?? route.Limits?.MaxOutputTokens ?? budgetOptions.Value.DefaultMaxTokens) * (long)body.Choices,
    };

    /// <summary>Whether reported usage could be true: no negative count, and no more tokens than the model's context
    /// window plus the output the request allowed.</summary>
    private static bool IsPlausible(in TokenUsage usage, ModelRoute route, in TokenUsage estimate) =>
        usage.Input >= 0 && usage.Output >= 0 && usage.CacheWrite >= 0 && usage.CacheRead >= 0 && usage.Reasoning >= 0 &&
        usage.Reasoning <= usage.Output && usage.CacheWrite1h >= 0 && usage.CacheWrite1h <= usage.CacheWrite &&
        usage.WebSearches is >= 0 and <= MaxServerToolUses &&
        usage.Total <= (route.Limits?.ContextWindow ?? UnknownContextWindow) + estimate.Output;

    /// <summary>What is charged when the answer's usage is not known exactly: what the provider did report, with the
    /// estimate's input where it reported none and at least the estimate's output.</summary>
    private static TokenUsage Estimated(TokenUsage reported, in TokenUsage estimate)
    {
        if (reported.Input + reported.CacheRead + reported.CacheWrite == 0)
            reported.Input = estimate.Input;
        reported.Output = Math.Max(reported.Output, estimate.Output);
        reported.Reported = false;
        return reported;
    }

    private static Task Refuse(HttpContext context, Progress progress, GatewayError error, string code)
    {
        progress.Outcome = CallOutcome.Failed(code);
        return error.WriteAsync(context, progress.Call.Surface.Dialect);
    }

    private static string NotApprovedMessage(string requested, TeamPolicy team, ApiSurface surface)
    {
        var approved = team.Models.Where(m => Translator.CanServe(surface, m.Account.Adapter)).Select(m => m.PublicName).ToList();
        return approved.Count == 0
            ? $"Model '{requested}' is not approved for team '{team.Slug}', and its profile approves no models for this API. Ask your platform team."
            : $"Model '{requested}' is not approved for team '{team.Slug}'. Approved models: {string.Join(", ", approved)}.";
    }

    private static GatewayError UpstreamFailure(ForwarderError error) => error switch
    {
        ForwarderError.RequestTimedOut => GatewayError.GatewayTimeout("The provider did not answer in time."),
        _ => GatewayError.BadGateway("The provider could not be reached or failed to answer."),
    };

    private static string Describe(ForwarderError error) => error switch
    {
        ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.RequestCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled => UsageErrors.ClientDisconnected,
        ForwarderError.ResponseBodyDestination => UsageErrors.UpstreamFailedMidResponse,
        ForwarderError.RequestTimedOut => UsageErrors.UpstreamTimeout,
        _ => UsageErrors.UpstreamUnreachable,
    };

    /// <summary><c>req_</c> and a version-7 GUID (time-ordered, so the usage table's unique index only appends), built
    /// in one allocation.</summary>
    private static string NewRequestId() => string.Create(36, Guid.CreateVersion7(), static (text, id) =>
    {
        "req_".CopyTo(text);
        id.TryFormat(text[4..], out _, "N");
    });

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}
