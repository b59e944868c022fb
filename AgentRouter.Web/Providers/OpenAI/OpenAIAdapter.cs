using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.OpenAI;

/// <summary>OpenAI's API: the OpenAI surfaces with a bearer API key. Its base URL includes <c>/v1</c>, as its SDK takes it.</summary>
public sealed class OpenAIAdapter : IProviderAdapter
{
    private static readonly string[] OwnHeaders = ["openai-beta"];

    public ProviderKind Kind => ProviderKind.OpenAI;
    public string Name => "openai";
    public string DisplayName => "OpenAI";
    public string TelemetryName => "openai";
    public string DefaultBaseUrl => "https://api.openai.com/v1";
    public IReadOnlyList<ProviderField> Fields => ApiKeyCredential.Fields;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems) =>
        ApiKeyCredential.Configure(settings, credential, problems);

    public bool Serves(ApiSurface surface) => surface.Dialect == ApiDialect.OpenAI;

    /// <summary>The credential header, built once per account rather than per request.</summary>
    public object Bind(UpstreamAccount account) =>
        account.Credential is { Length: > 0 } key ? new KeyValuePair<string, string>[] { new("authorization", "Bearer " + key) } : Array.Empty<KeyValuePair<string, string>>();

    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) || ForwardedHeaders.Contains(OwnHeaders, name);

    public ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        call.RewriteBody();
        return ValueTask.FromResult(new UpstreamPlan
        {
            Url = call.Surface.NativeUrl(call.Account.BaseUrl, call.UpstreamModel, call.Query),
            Headers = (KeyValuePair<string, string>[])call.Account.State!,
        });
    }

    public Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, account.BaseUrl + "/models");
        request.Headers.Authorization = new("Bearer", account.Credential ?? "");
        return ConnectionTest.SendAsync(account, http, request, cancellationToken);
    }
}
