using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Anthropic;

/// <summary>Anthropic's own API: the Messages surfaces, an <c>x-api-key</c> credential, and the developer's own Claude
/// subscription token for passthrough billing.</summary>
public sealed class AnthropicAdapter : ApiKeyAdapter
{
    public const string ApiVersion = "2023-06-01";

    public override ProviderKind Kind => ProviderKind.Anthropic;
    public override string Name => "anthropic";
    public override string DisplayName => "Anthropic";
    public override string TelemetryName => "anthropic";
    public override string DefaultBaseUrl => "https://api.anthropic.com";
    public override bool AcceptsSubscriptionToken => true;
    protected override ApiDialect Dialect => ApiDialect.Anthropic;
    protected override string[] OwnHeaders { get; } = ["anthropic-version", "anthropic-beta"];
    protected override string ModelsPath => "/v1/models";

    protected override KeyValuePair<string, string> CredentialHeader(string key) => new("x-api-key", key);

    /// <summary>Never x-api-key beside a subscription token: Anthropic would prefer the key over the subscription.</summary>
    protected override IReadOnlyList<KeyValuePair<string, string>> CallHeaders(UpstreamCall call) =>
        call.PassthroughToken is { } token ? [new("authorization", "Bearer " + token)] : base.CallHeaders(call);

    protected override void AddTestHeaders(HttpRequestMessage request) => request.Headers.Add("anthropic-version", ApiVersion);
}
