using System.Diagnostics;
using System.Globalization;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Billing;
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
    BudgetLedger budgets,
    IOptions<GatewayOptions> options,
    IOptions<BudgetOptions> budgetOptions,
    TimeProvider clock)
{
    public const string RemainingTokensHeader = "x-agentrouter-budget-remaining-tokens";
    public const string RemainingUsdHeader = "x-agentrouter-budget-remaining-usd";

    /// <summary>Recorded when a client closed its connection before an answer could start (nginx's convention).</summary>
    private const int StatusCodeClientClosedRequest = 499;

    private readonly ForwarderRequestConfig _forwarding = new() { ActivityTimeout = options.Value.UpstreamIdleTimeout };

    /// <param name="pathModel">The model named in the path (Gemini), else null: the body names it.</param>
    public async Task HandleAsync(HttpContext context, ApiSurface surface, string? pathModel)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = NewRequestId();
        context.TraceIdentifier = requestId;
        context.Response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;

        var grant = identifier.Identify(context.Request, out var refusal);
        if (grant is null)
        {
            await refusal!.WriteAsync(context, surface.Dialect);
            return;
        }

        var call = new UsageRecord
        {
            At = clock.GetUtcNow(),
            RequestId = requestId,
            TeamId = grant.Team.TeamId,
            DeveloperId = grant.DeveloperId,
            ApiKeyId = grant.KeyId,
            Agent = AgentDetector.Detect(context.Request, grant.ServiceAgent),
            SessionId = Truncate(context.Request.Headers["x-claude-code-session-id"].ToString(), 100),
            Surface = surface.Name,
            // Known before the body is read for Gemini (the path names it); the body's model replaces it otherwise.
            RequestedModel = Truncate(pathModel, 200),
        };
        try
        {
            await ForwardAsync(context, surface, grant, pathModel, call, started);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (e.g. while sending its body): nothing to answer, but the attempt is recorded.
            call.Error = "client_disconnected";
            if (!context.Response.HasStarted)
                context.Response.StatusCode = StatusCodeClientClosedRequest;
        }
        catch
        {
            call.Error = "gateway_error";
            throw;
        }
        finally
        {
            call.Error = Hosting.InFlightRequests.EndedByShutdown(context) ? "shutdown" : call.Error;
            call.Status = context.Response.StatusCode;
            call.LatencyMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await recorder.RecordAsync(call);
        }
    }

    private async Task ForwardAsync(HttpContext context, ApiSurface surface, KeyGrant grant, string? pathModel, UsageRecord call, long started)
    {
        var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Refuse(context, surface, call, tooLarge!, "request_too_large");
            return;
        }
        using var _ = body;

        if ((surface.HasModelInBody ? body.Inspect() : body.Validate()) is { } invalid)
        {
            await Refuse(context, surface, call, invalid, "invalid_request");
            return;
        }
        var requested = surface.HasModelInBody ? body.Model : pathModel;
        call.RequestedModel = Truncate(requested, 200);
        if (string.IsNullOrWhiteSpace(requested))
        {
            await Refuse(context, surface, call, GatewayError.InvalidRequest("The request must name a model (the \"model\" field)."), "invalid_request");
            return;
        }

        // Steps 2 and 3: authorize against the team's profile and resolve the pinned route.
        var route = grant.Team.Resolve(requested);
        if (route is null)
        {
            await Refuse(context, surface, call, GatewayError.Forbidden(NotApprovedMessage(requested, grant.Team, surface)), "model_not_approved");
            return;
        }
        if (!surface.IsServedBy(route.Account.Kind))
        {
            await Refuse(context, surface, call, GatewayError.InvalidRequest(
                $"Model '{requested}' is served through the {route.Account.Kind} API; call it with that API's SDK or endpoint."), "wrong_api");
            return;
        }
        call.UpstreamModel = route.UpstreamModel;
        call.ProviderAccountId = route.Account.Id;

        // Billing: the organisation's account, or the developer's own Claude subscription (passthrough).
        var passthroughToken = KeyIdentifier.PassthroughToken(context.Request);
        if (BillingRefusal(grant.Team, route, passthroughToken) is { } billingRefusal)
        {
            await Refuse(context, surface, call, billingRefusal, "billing_mode");
            return;
        }
        var passthrough = passthroughToken is not null;
        call.Billing = passthrough ? UsageBilling.Passthrough : UsageBilling.Central;

        // Step 4: admit against the team's budgets, reserving an estimate until the answer's real usage is known.
        var admission = surface.IsBilled && (!passthrough || grant.Team.PassthroughCountsAgainstBudget)
            ? budgets.Admit(grant.Team, grant.DeveloperId ?? grant.KeyId, EstimateTokens(body), EstimateUsd(body, route))
            : Admission.Unlimited;
        if (admission.Refusal is { } refusal)
        {
            context.Response.Headers.RetryAfter = refusal.Window.SecondsUntilReset(clock.GetUtcNow()).ToString(CultureInfo.InvariantCulture);
            await Refuse(context, surface, call, GatewayError.BudgetExceeded(refusal.Message(budgets.Zone)), "budget_exceeded");
            return;
        }
        call.OverBudget = admission.OverBudget;
        if (admission.RemainingTokens is { } remainingTokens)
            context.Response.Headers[RemainingTokensHeader] = remainingTokens.ToString(CultureInfo.InvariantCulture);
        if (admission.RemainingUsd is { } remainingUsd)
            context.Response.Headers[RemainingUsdHeader] = remainingUsd.ToString("0.######", CultureInfo.InvariantCulture);

        TokenUsage usage = default;
        try
        {
            usage = await ForwardAndObserveAsync(context, surface, route, body, call, started, passthroughToken);
        }
        finally
        {
            budgets.Settle(admission, surface.IsBilled ? usage.Total : 0, call.CostUsd);
        }
    }

    private async Task<TokenUsage> ForwardAndObserveAsync(HttpContext context, ApiSurface surface, ModelRoute route, RequestBody body, UsageRecord call, long started, string? passthroughToken)
    {
        // Step 5: forward. OpenAI only reports usage on streams when asked; ask, and hide the answer from a
        // client that did not.
        var askForStreamUsage = surface == ApiSurface.OpenAIChat && body.Stream;
        var withholdUsageChunk = askForStreamUsage && !body.IncludeUsage;
        body.Rewrite(surface.HasModelInBody ? route.UpstreamModel : null, askForStreamUsage);
        context.Request.Body = body.AsStream();
        context.Request.ContentLength = body.Length;
        context.Request.Headers.TransferEncoding = default;

        var clientBody = context.Response.Body;
        var tap = new UsageTap(clientBody, context.Response, surface.Dialect, withholdUsageChunk);
        context.Response.Body = tap;
        ForwarderError error;
        try
        {
            var upstreamUrl = surface.UpstreamUrl(route.Account, route.UpstreamModel, WithoutKey(context.Request.QueryString, context.Request.Query));
            var transformer = new UpstreamTransformer(upstreamUrl, route.Account, call.RequestId, passthroughToken);
            error = await forwarder.SendAsync(context, route.Account.BaseUrl, clients.For(route.Account), _forwarding, transformer);
        }
        finally
        {
            context.Response.Body = clientBody;
        }

        // Step 6: what the provider reported, even for an answer cut short.
        try
        {
            await tap.CompleteAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            error = ForwarderError.ResponseBodyClient;
        }
        var usage = tap.Usage;
        call.Streamed = tap.IsEventStream || surface == ApiSurface.GeminiStream;
        if (tap.FirstByteTimestamp != 0)
            call.TimeToFirstByteMs = (int)Stopwatch.GetElapsedTime(started, tap.FirstByteTimestamp).TotalMilliseconds;
        if (surface.IsBilled)
        {
            call.InputTokens = usage.Input;
            call.OutputTokens = usage.Output;
            call.CacheWriteTokens = usage.CacheWrite;
            call.CacheReadTokens = usage.CacheRead;
            call.ReasoningTokens = usage.Reasoning;
            // Passthrough usage keeps its notional cost; invoices bill it at zero.
            call.CostUsd = route.Price?.Cost(usage) ?? 0m;
        }
        if (error != ForwarderError.None)
        {
            call.Error = Describe(error);
            await UpstreamFailure(error).WriteAsync(context, surface.Dialect);
        }
        return usage;
    }

    /// <summary>Whether the team's billing mode allows how this request wants to be paid for. A subscription
    /// token is only ever sent to an Anthropic account.</summary>
    private static GatewayError? BillingRefusal(TeamPolicy team, ModelRoute route, string? passthroughToken) =>
        (passthroughToken, team.Billing) switch
        {
            (not null, BillingMode.Central) => GatewayError.Forbidden(
                $"Team '{team.Slug}' is billed centrally: send your Agent Router key as the API key and no Claude subscription token."),
            (not null, _) when route.Account.Kind != ProviderKind.Anthropic => GatewayError.Forbidden(
                $"A Claude subscription token is only sent to Anthropic; '{route.PublicName}' is served by a {route.Account.Kind} account."),
            (null, BillingMode.PassthroughRequired) => GatewayError.Forbidden(
                $"Team '{team.Slug}' uses developers' own Claude subscriptions: sign in to Claude (ANTHROPIC_AUTH_TOKEN) and send your Agent Router key in the x-agent-router-key header (ANTHROPIC_CUSTOM_HEADERS=\"x-agent-router-key: ar_…\")."),
            _ => null,
        };

    /// <summary>A deliberately high estimate: a token is rarely fewer than 4 bytes of JSON, and the answer may use all of max_tokens.</summary>
    private long EstimateTokens(RequestBody body) => body.Length / 4 + (body.MaxTokens ?? budgetOptions.Value.DefaultMaxTokens);

    private decimal EstimateUsd(RequestBody body, ModelRoute route) =>
        route.Price?.Cost(new TokenUsage { Input = body.Length / 4, Output = body.MaxTokens ?? budgetOptions.Value.DefaultMaxTokens }) ?? 0m;

    private static Task Refuse(HttpContext context, ApiSurface surface, UsageRecord call, GatewayError error, string code)
    {
        call.Error = code;
        return error.WriteAsync(context, surface.Dialect);
    }

    private static string NotApprovedMessage(string requested, TeamPolicy team, ApiSurface surface)
    {
        var approved = team.Models.Where(m => surface.IsServedBy(m.Account.Kind)).Select(m => m.PublicName).ToList();
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
            or ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled => "client_disconnected",
        ForwarderError.ResponseBodyDestination => "upstream_failed_mid_response",
        ForwarderError.RequestTimedOut => "upstream_timeout",
        _ => "upstream_unreachable",
    };

    /// <summary>The query string minus <c>key</c> (a Gemini-style credential that must never travel upstream).</summary>
    private static QueryString WithoutKey(QueryString original, IQueryCollection query) =>
        !query.ContainsKey("key") ? original
            : QueryString.Create(query.Where(p => p.Key != "key").SelectMany(p => p.Value.Select(v => KeyValuePair.Create(p.Key, v))));

    private static string NewRequestId() => "req_" + Guid.CreateVersion7().ToString("N");

    private static string? Truncate(string? value, int length) =>
        string.IsNullOrEmpty(value) ? null : value.Length <= length ? value : value[..length];
}
