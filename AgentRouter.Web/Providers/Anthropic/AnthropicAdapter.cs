using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Anthropic;

/// <summary>Anthropic's own API: the Messages surfaces, an <c>x-api-key</c> credential, and the developer's own Claude
/// subscription token for passthrough billing.</summary>
public sealed class AnthropicAdapter : IProviderAdapter
{
    public const string ApiVersion = "2023-06-01";

    private static readonly string[] OwnHeaders = ["anthropic-version", "anthropic-beta"];

    public ProviderKind Kind => ProviderKind.Anthropic;
    public string Name => "anthropic";
    public string DisplayName => "Anthropic";
    public string TelemetryName => "anthropic";
    public string DefaultBaseUrl => "https://api.anthropic.com";
    public IReadOnlyList<ProviderField> Fields => ApiKeyCredential.Fields;
    public bool AcceptsSubscriptionToken => true;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems) =>
        ApiKeyCredential.Configure(settings, credential, problems);

    public bool Serves(ApiSurface surface) => surface.Dialect == ApiDialect.Anthropic;

    /// <summary>The credential header, built once per account rather than per request.</summary>
    public object Bind(UpstreamAccount account) =>
        account.Credential is { Length: > 0 } key ? new KeyValuePair<string, string>[] { new("x-api-key", key) } : Array.Empty<KeyValuePair<string, string>>();

    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) || ForwardedHeaders.Contains(OwnHeaders, name);

    public ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        call.RewriteBody();
        return ValueTask.FromResult(new UpstreamPlan
        {
            Url = call.Surface.NativeUrl(call.Account.BaseUrl, call.UpstreamModel, call.Query),
            // Never x-api-key beside a subscription token: Anthropic would prefer the key over the subscription.
            Headers = call.PassthroughToken is { } token ? [new("authorization", "Bearer " + token)]
                : (KeyValuePair<string, string>[])call.Account.State!,
        });
    }

    public Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, account.BaseUrl + "/v1/models");
        request.Headers.Add("x-api-key", account.Credential ?? "");
        request.Headers.Add("anthropic-version", ApiVersion);
        return ConnectionTest.SendAsync(account, http, request, cancellationToken);
    }
}
