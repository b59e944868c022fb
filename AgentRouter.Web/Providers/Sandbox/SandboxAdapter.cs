using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Providers.Sandbox;

/// <summary>Agent Router's built-in simulated provider: answers every dialect in process (<see cref="SandboxHandler"/>),
/// needs no credential and costs nothing.</summary>
public sealed class SandboxAdapter(IOptions<GatewayOptions> options) : IProviderAdapter, IDisposable
{
    /// <summary>Never resolved: sandbox requests are answered in process.</summary>
    public const string BaseUrl = "http://sandbox.invalid";

    private static readonly string[] DialectHeaders = ["anthropic-version", "anthropic-beta", "openai-beta", "x-goog-api-client"];

    private readonly HttpMessageInvoker _invoker = new(new SandboxHandler(options.Value.SandboxEventDelay));

    public ProviderKind Kind => ProviderKind.Sandbox;
    public string Name => "sandbox";
    public string DisplayName => "Sandbox";
    public string TelemetryName => "agentrouter.sandbox";
    public string DefaultBaseUrl => BaseUrl;
    public IReadOnlyList<ProviderField> Fields => [];
    public bool RequiresCredential => false;
    public HttpMessageInvoker Invoker => _invoker;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems)
    {
        ProviderSettings.RequireNone(settings, problems);
        if (credential is { ValueKind: not JsonValueKind.Null })
            problems.Add("credential", "The sandbox takes no credential.");
        return new(null, null);
    }

    /// <summary>Every dialect but OpenAI's Responses API, which reaches the sandbox translated (see <c>Translation/</c>).</summary>
    public bool Serves(ApiSurface surface) => surface != ApiSurface.OpenAIResponses && surface != ApiSurface.OpenAIResponsesInputTokens;

    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) || ForwardedHeaders.Contains(DialectHeaders, name);

    public ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        call.RewriteBody();
        return ValueTask.FromResult(new UpstreamPlan { Url = call.Surface.NativeUrl(call.Account.BaseUrl, call.UpstreamModel, call.Query) });
    }

    public Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken) =>
        Task.FromResult(new ConnectionResult(true, "The sandbox answers in process."));

    public void Dispose() => _invoker.Dispose();
}
