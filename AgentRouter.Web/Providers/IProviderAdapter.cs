using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Providers;

/// <summary>Everything Agent Router knows about one kind of upstream, in one place: its settings and secret, where a
/// request for each API surface goes, how it is authenticated, which caller headers may travel there, how its answer is
/// decoded and how to test a connection. Adapters are DI singletons registered by <see cref="Kind"/>
/// (<see cref="ProviderAdapters"/>); nothing outside <c>Providers/&lt;Kind&gt;/</c> branches on a provider kind.</summary>
public interface IProviderAdapter
{
    ProviderKind Kind { get; }

    /// <summary>The kind as the admin API and the usage exports spell it, e.g. <c>vertex-ai</c>.</summary>
    string Name { get; }

    /// <summary>The kind as people read it, e.g. <c>Vertex AI</c>.</summary>
    string DisplayName { get; }

    /// <summary>The OpenTelemetry GenAI <c>gen_ai.provider.name</c>.</summary>
    string TelemetryName { get; }

    /// <summary>The API root used when an account names none.</summary>
    string DefaultBaseUrl { get; }

    /// <summary>What the console asks for, in order: the kind's non-secret settings and the parts of its credential.</summary>
    IReadOnlyList<ProviderField> Fields { get; }

    /// <summary>Whether accounts of this kind need a credential at all.</summary>
    bool RequiresCredential => true;

    /// <summary>Whether a developer's own Claude subscription token (passthrough billing) may be sent to this kind.</summary>
    bool AcceptsSubscriptionToken => false;

    /// <summary>The in-process handler for a kind that is not reached over the network; null for real providers.</summary>
    HttpMessageInvoker? Invoker => null;

    /// <summary>Reads the admin API's <c>settings</c> and <c>credential</c> for this kind (the console sends both as
    /// objects of its fields' values, by <see cref="ProviderField.Name"/>). Returns the settings to store
    /// (a JSON object's text, or null when the kind has none) and the secret to encrypt (null when no credential was
    /// given), adding a problem per field name for anything invalid. <paramref name="credential"/> is null when the
    /// request carried none.</summary>
    ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems);

    /// <summary>The part of a secret that may be shown again (at most 8 characters).</summary>
    string Hint(string secret) => Data.SecretProtector.Hint(secret);

    /// <summary>Builds the per-account state the adapter needs at request time (parsed settings, a token source), when
    /// the policy snapshot loads; the result is kept on <see cref="UpstreamAccount.State"/>. A rotated credential or an
    /// edited setting yields a new account, so state keyed on anything but the account's content must not outlive it.</summary>
    object? Bind(UpstreamAccount account) => null;

    /// <summary>Whether this kind speaks the surface's protocol itself (no translation between dialects).</summary>
    bool Serves(ApiSurface surface);

    /// <summary>Whether a caller's request header may be forwarded to this kind (<see cref="ForwardedHeaders.IsCommon"/>
    /// plus the kind's own).</summary>
    bool IsHeaderAllowed(string name);

    /// <summary>Decides where the call goes and edits its body for the upstream (model id, version fields); may refuse
    /// it (e.g. a token that cannot be minted). Runs once per request, before anything is sent.</summary>
    ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken);

    /// <summary>Proves the base URL and the credential work with one cheap authenticated call.</summary>
    Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken);
}

/// <summary>One field of a kind's settings form. <see cref="Secret"/> fields are part of the credential: encrypted, masked,
/// rotated as one and audited by hint only.</summary>
/// <param name="Name">The JSON property name in <c>settings</c> (or in <c>credential</c>, for secret fields of an object credential).</param>
/// <param name="Choices">For a pick-list (e.g. regions); empty for free text.</param>
/// <param name="Upload">The console offers a file upload (e.g. a service-account JSON key).</param>
public sealed record ProviderField(string Name, string Label, bool Secret, bool Required, string? Help = null, IReadOnlyList<string>? Choices = null, bool Upload = false, bool Multiline = false);

/// <summary>What <see cref="IProviderAdapter.Configure"/> read: the settings JSON to store and the secret to encrypt.</summary>
public readonly record struct ProviderConfiguration(string? Settings, string? Secret);

/// <summary>The outcome of a connection test, said the way a platform lead can act on.</summary>
public readonly record struct ConnectionResult(bool Ok, string Message);

/// <summary>A request about to go upstream, as the adapter sees it. The body is already read strictly; the adapter may
/// edit it in <see cref="IProviderAdapter.PlanAsync"/>.</summary>
public sealed class UpstreamCall(ApiSurface surface, UpstreamAccount account, string upstreamModel, RequestBody body, QueryString query,
    IHeaderDictionary callerHeaders, bool requestStreamUsage, string? passthroughToken)
{
    public ApiSurface Surface { get; } = surface;
    public UpstreamAccount Account { get; } = account;

    /// <summary>The pinned upstream model id.</summary>
    public string UpstreamModel { get; } = upstreamModel;

    public RequestBody Body { get; } = body;

    /// <summary>The caller's query reduced to what may be forwarded (<see cref="ForwardedHeaders.FilterQuery"/>).</summary>
    public QueryString Query { get; } = query;

    /// <summary>The caller's headers, for adapters that move some into the body (Bedrock's <c>anthropic-beta</c>).</summary>
    public IHeaderDictionary CallerHeaders { get; } = callerHeaders;

    /// <summary>The dialect reports usage on streams only when asked (OpenAI): the body must ask.</summary>
    public bool RequestStreamUsage { get; } = requestStreamUsage;

    /// <summary>The developer's own subscription token (passthrough billing): sent instead of the account's credential.</summary>
    public string? PassthroughToken { get; } = passthroughToken;

    /// <summary>Whether the caller asked for a stream (in the body, or by the surface itself).</summary>
    public bool Streams => Body.Stream || Surface.StreamsByPath;

    /// <summary>The model id to write into the body: the pinned one where the body names the model (for Gemini, whose
    /// path names it, only when the body repeats it, in the same form).</summary>
    public string? ModelInBody =>
        Surface.HasModelInBody ? UpstreamModel
        : Body.Model is null ? null
        : Body.Model.StartsWith("models/", StringComparison.Ordinal) ? "models/" + UpstreamModel
        : UpstreamModel;

    /// <summary>The edit every upstream that speaks the caller's dialect needs: the pinned model, and the stream-usage
    /// request where the dialect needs one. Edits in place; the rest of the body is forwarded byte for byte.</summary>
    public void RewriteBody() => Body.Rewrite(ModelInBody, RequestStreamUsage);
}

/// <summary>Where and how an <see cref="UpstreamCall"/> is sent.</summary>
public sealed class UpstreamPlan
{
    /// <summary>The full upstream URL, query included.</summary>
    public required string Url { get; init; }

    /// <summary>Headers added after the caller's were filtered: the account's credential, the kind's fixed headers.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>Runs last on the outgoing request, for credentials that cover the final URL, headers and body (SigV4).</summary>
    public Action<HttpRequestMessage, ReadOnlyMemory<byte>>? Sign { get; init; }

    /// <summary>Re-encodes the answer for the caller (Bedrock's event stream as Anthropic SSE); null passes it through.</summary>
    public IResponseDecoder? Decoder { get; init; }

    /// <summary>Set when the call cannot be sent: answered in the caller's dialect and recorded with <see cref="RefusalCode"/>.</summary>
    public GatewayError? Refusal { get; init; }

    public string? RefusalCode { get; init; }

    public static UpstreamPlan Refuse(GatewayError error, string code) => new() { Url = "", Refusal = error, RefusalCode = code };
}

/// <summary>Turns an upstream's answer into the caller's dialect as it streams through (never buffering a stream).</summary>
public interface IResponseDecoder
{
    /// <summary>Called once the upstream's status and headers are known, before any body byte is copied; adjusts the
    /// client's headers (content type) and returns the stream the upstream's body is written into, which writes the
    /// decoded answer to <paramref name="toClient"/>; returning <paramref name="toClient"/> passes the body through.</summary>
    Stream Start(HttpResponseMessage upstream, HttpResponse client, Stream toClient);

    /// <summary>Flushes what is left once the upstream's body ended (or was cut short).</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);
}
