using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.OpenAI;

/// <summary>OpenAI's API: the OpenAI surfaces with a bearer API key. Its base URL includes <c>/v1</c>, as its SDK takes it.</summary>
public sealed class OpenAIAdapter : ApiKeyAdapter
{
    public override ProviderKind Kind => ProviderKind.OpenAI;
    public override string Name => "openai";
    public override string DisplayName => "OpenAI";
    public override string TelemetryName => "openai";
    public override string DefaultBaseUrl => "https://api.openai.com/v1";
    protected override ApiDialect Dialect => ApiDialect.OpenAI;
    protected override string[] OwnHeaders { get; } = ["openai-beta"];
    protected override string ModelsPath => "/models";

    protected override KeyValuePair<string, string> CredentialHeader(string key) => new("authorization", "Bearer " + key);
}
