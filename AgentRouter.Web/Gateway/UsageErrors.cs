namespace AgentRouter.Web.Gateway;

/// <summary>The error codes a usage record carries: why a request was refused, failed, or has no exact usage.</summary>
public static class UsageErrors
{
    // Refusals: nothing was forwarded.
    public const string InvalidRequest = "invalid_request";
    public const string RequestTooLarge = "request_too_large";
    public const string ModelNotApproved = "model_not_approved";
    public const string WrongApi = "wrong_api";
    /// <summary>The model is served through another provider's API and the request uses a feature that cannot be translated.</summary>
    public const string NotTranslatable = "not_translatable";
    public const string BillingMode = "billing_mode";
    public const string BudgetExceeded = "budget_exceeded";
    public const string BudgetUnavailable = "budget_unavailable";
    public const string RateLimited = "rate_limited";

    // Failures on the way.
    public const string ClientDisconnected = "client_disconnected";
    public const string GatewayError = "gateway_error";
    public const string UpstreamUnreachable = "upstream_unreachable";
    public const string UpstreamTimeout = "upstream_timeout";
    public const string UpstreamFailedMidResponse = "upstream_failed_mid_response";
    /// <summary>The account's credential could not be turned into an upstream one (a service-account key Google refused).</summary>
    public const string UpstreamCredentialRefused = "upstream_credential_refused";
    public const string Shutdown = "shutdown";
    public const string TargetsUnavailable = "targets_unavailable";

    // A successful answer whose usage could not be read exactly: the record carries the gateway's estimate.
    public const string UpstreamStreamError = "upstream_stream_error";
    public const string StreamTruncated = "stream_truncated";
    public const string UsageMissing = "usage_missing";
    public const string UsageUnparseable = "usage_unparseable";
    public const string UsageUndecodable = "usage_undecodable";
    public const string UsageImplausible = "usage_implausible";
}
