using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers.Gemini;

/// <summary>The Gemini API (Google AI Studio): the Gemini surfaces, the model in the path, an <c>x-goog-api-key</c>.</summary>
public sealed class GeminiAdapter : IProviderAdapter
{
    private static readonly string[] OwnHeaders = ["x-goog-api-client"];

    public ProviderKind Kind => ProviderKind.Gemini;
    public string Name => "gemini";
    public string DisplayName => "Gemini API";
    public string TelemetryName => "gcp.gemini";
    public string DefaultBaseUrl => "https://generativelanguage.googleapis.com";
    public IReadOnlyList<ProviderField> Fields => ApiKeyCredential.Fields;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems) =>
        ApiKeyCredential.Configure(settings, credential, problems);

    public bool Serves(ApiSurface surface) => surface.Dialect == ApiDialect.Gemini;

    /// <summary>The credential header, built once per account rather than per request.</summary>
    public object Bind(UpstreamAccount account) =>
        account.Credential is { Length: > 0 } key ? new KeyValuePair<string, string>[] { new("x-goog-api-key", key) } : Array.Empty<KeyValuePair<string, string>>();

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
        var request = new HttpRequestMessage(HttpMethod.Get, account.BaseUrl + "/v1beta/models");
        request.Headers.Add("x-goog-api-key", account.Credential ?? "");
        return ConnectionTest.SendAsync(account, http, request, cancellationToken);
    }
}
