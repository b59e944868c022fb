using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers;

/// <summary>What the kinds authenticated by one API key share (Anthropic, OpenAI, the Gemini API): they serve their own
/// dialect, take the key in one header built once per account, forward the body with only the model rewritten, and
/// test a connection by listing models. Each kind says only what differs.</summary>
public abstract class ApiKeyAdapter : IProviderAdapter
{
    public abstract ProviderKind Kind { get; }
    public abstract string Name { get; }
    public abstract string DisplayName { get; }
    public abstract string TelemetryName { get; }
    public abstract string DefaultBaseUrl { get; }

    /// <summary>The dialect the kind's API speaks.</summary>
    protected abstract ApiDialect Dialect { get; }

    /// <summary>The caller's headers the kind's API reads, beside the common ones.</summary>
    protected abstract string[] OwnHeaders { get; }

    /// <summary>The header that carries the key, the kind's way.</summary>
    protected abstract KeyValuePair<string, string> CredentialHeader(string key);

    /// <summary>The model listing below the base URL, for the connection test.</summary>
    protected abstract string ModelsPath { get; }

    public IReadOnlyList<ProviderField> Fields => ApiKeyCredential.Fields;

    public virtual bool AcceptsSubscriptionToken => false;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems) =>
        ApiKeyCredential.Configure(settings, credential, problems);

    public bool Serves(ApiSurface surface) => surface.Dialect == Dialect;

    /// <summary>The credential header, built once per account rather than per request.</summary>
    public object Bind(UpstreamAccount account) =>
        account.Credential is { Length: > 0 } key ? new[] { CredentialHeader(key) } : Array.Empty<KeyValuePair<string, string>>();

    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) || ForwardedHeaders.Contains(OwnHeaders, name);

    public ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        call.RewriteBody();
        return ValueTask.FromResult(new UpstreamPlan
        {
            Url = call.Surface.NativeUrl(call.Account.BaseUrl, call.UpstreamModel, call.Query),
            Headers = CallHeaders(call),
        });
    }

    /// <summary>The headers a call adds: the account's credential header.</summary>
    protected virtual IReadOnlyList<KeyValuePair<string, string>> CallHeaders(UpstreamCall call) => (KeyValuePair<string, string>[])call.Account.State!;

    public Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, account.BaseUrl + ModelsPath);
        var (name, value) = CredentialHeader(account.Credential ?? "");
        request.Headers.TryAddWithoutValidation(name, value);
        AddTestHeaders(request);
        return ConnectionTest.SendAsync(account, http, request, cancellationToken);
    }

    /// <summary>Headers the kind's API needs on the connection test beside the credential.</summary>
    protected virtual void AddTestHeaders(HttpRequestMessage request)
    {
    }
}
