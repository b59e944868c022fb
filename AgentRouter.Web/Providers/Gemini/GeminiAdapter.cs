using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Gemini;

/// <summary>The Gemini API (Google AI Studio): the Gemini surfaces, the model in the path, an <c>x-goog-api-key</c>.</summary>
public sealed class GeminiAdapter : ApiKeyAdapter
{
    public override ProviderKind Kind => ProviderKind.Gemini;
    public override string Name => "gemini";
    public override string DisplayName => "Gemini API";
    public override string TelemetryName => "gcp.gemini";
    public override string DefaultBaseUrl => "https://generativelanguage.googleapis.com";
    protected override ApiDialect Dialect => ApiDialect.Gemini;
    protected override string[] OwnHeaders { get; } = ["x-goog-api-client"];
    protected override string ModelsPath => "/v1beta/models";

    protected override KeyValuePair<string, string> CredentialHeader(string key) => new("x-goog-api-key", key);
}
