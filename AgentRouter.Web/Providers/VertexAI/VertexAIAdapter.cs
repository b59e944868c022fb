using System.Buffers;
using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Keys;
using Microsoft.AspNetCore.WebUtilities;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>Google Cloud Vertex AI: Claude (Anthropic's publisher, from the Anthropic dialect) and Gemini (Google's
/// publisher, from the Gemini dialect) in one project and location, authenticated with OAuth access tokens the router
/// mints itself from the account's service-account key (<see cref="VertexTokenSource"/>).</summary>
public sealed class VertexAIAdapter(VertexTokens tokens) : IProviderAdapter
{
    /// <summary>The credential's field as the console sends it: the key file's text.</summary>
    public const string KeyField = "serviceAccountKey";

    /// <summary>Google's API root; an account on it is sent to its location's own host (<see cref="VertexSettings.DefaultHost"/>).</summary>
    public const string GoogleRoot = "https://aiplatform.googleapis.com";

    private static readonly string[] OwnHeaders = ["x-goog-api-client"];

    public ProviderKind Kind => ProviderKind.VertexAI;
    public string Name => "vertex-ai";
    public string DisplayName => "Vertex AI";
    public string TelemetryName => "gcp.vertex_ai";
    public string DefaultBaseUrl => GoogleRoot;

    public IReadOnlyList<ProviderField> Fields { get; } =
    [
        new("projectId", "Project id", Secret: false, Required: true, Help: "The Google Cloud project with the Vertex AI API enabled, e.g. acme-ai-prod"),
        new("location", "Location", Secret: false, Required: true, Help: "A region that serves your models, e.g. us-east5 or europe-west1, or global"),
        new("acceptedBetas", "Accepted anthropic-beta flags", Secret: false, Required: false,
            Help: "Comma-separated; only these pass to Vertex AI (it refuses betas it does not offer). Empty passes every flag"),
        new(KeyField, "Service-account JSON key", Secret: true, Required: true, Upload: true, Multiline: true,
            Help: "The key file of a service account with the Vertex AI User role; encrypted at rest, only its key id's end is shown again"),
    ];

    /// <summary>The account's last token failure in this process, for the provider page.</summary>
    public string? LastError(Guid accountId) =>
        tokens.Health.LastError(accountId) is { } failure ? $"{failure.Message} ({failure.At:yyyy-MM-dd HH:mm} UTC)" : null;

    public ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems)
    {
        var parsed = VertexSettings.Parse(settings, problems);
        string? secret = null;
        if (credential is { } given)
        {
            // The API sends the key itself as a JSON object; the console sends {serviceAccountKey: "<file text>"}; a
            // string holding the file's text is taken too.
            var (text, field) = given.ValueKind switch
            {
                JsonValueKind.Object when given.TryGetProperty(KeyField, out var file) && file.ValueKind == JsonValueKind.String => (file.GetString(), "credential." + KeyField),
                JsonValueKind.Object => (given.GetRawText(), "credential"),
                JsonValueKind.String => (given.GetString(), "credential"),
                _ => (null, "credential"),
            };
            if (ServiceAccountKey.TryParse(text, out var problem) is { } key)
                secret = key.Json;
            else
                problems.Add(field, problem!);
        }
        return new(parsed?.ToJson(), secret);
    }

    /// <summary>The key's id, last four characters: the key's text ends in JSON punctuation, never worth showing.</summary>
    public string Hint(string secret) => ServiceAccountKey.TryParse(secret, out _)?.Hint ?? "";

    public object? Bind(UpstreamAccount account)
    {
        if (account.Settings is not { } settings || account.Credential is not { } credential)
            return new Unusable($"Vertex AI account '{account.Name}' has no settings or no service-account key: an administrator must complete it.");
        var source = tokens.For(account.Id, account.Name, credential, out var problem);
        if (source is null)
            return new Unusable($"Vertex AI account '{account.Name}' has a service-account key that cannot be read ({problem}): an administrator must upload it again.");
        var parsed = VertexSettings.FromJson(settings.GetRawText());
        if (string.IsNullOrEmpty(parsed.ProjectId) || string.IsNullOrEmpty(parsed.Location))
            return new Unusable($"Vertex AI account '{account.Name}' has no project id or location: an administrator must set them.");
        return new VertexAccount(account.BaseUrl == GoogleRoot ? parsed.DefaultHost : account.BaseUrl, parsed, source);
    }

    public bool Serves(ApiSurface surface) =>
        surface == ApiSurface.AnthropicMessages || surface == ApiSurface.AnthropicCountTokens || surface.Dialect == ApiDialect.Gemini;

    // anthropic-beta is not forwarded as it came: the plan adds it filtered by the account's accepted list.
    public bool IsHeaderAllowed(string name) => ForwardedHeaders.IsCommon(name) || ForwardedHeaders.Contains(OwnHeaders, name);

    public async ValueTask<UpstreamPlan> PlanAsync(UpstreamCall call, CancellationToken cancellationToken)
    {
        if (call.Account.State is not VertexAccount account)
            return UpstreamPlan.Refuse(GatewayError.BadGateway(((Unusable)call.Account.State!).Message), UsageErrors.UpstreamCredentialRefused);
        string token;
        try
        {
            token = await account.Tokens.GetTokenAsync(cancellationToken);
        }
        catch (VertexTokenException ex)
        {
            return UpstreamPlan.Refuse(GatewayError.BadGateway(ex.Message), UsageErrors.UpstreamCredentialRefused);
        }
        var bearer = new KeyValuePair<string, string>("authorization", "Bearer " + token);

        if (call.Surface.Dialect == ApiDialect.Gemini)
        {
            call.RewriteBody();
            return new UpstreamPlan
            {
                Url = VertexRequests.Gemini(account.Host, account.Settings, call.UpstreamModel, call.Surface.UpstreamPath, AltOnly(call.Query)),
                Headers = [bearer],
            };
        }

        var counting = call.Surface == ApiSurface.AnthropicCountTokens;
        if (counting)
            call.RewriteBody(); // count-tokens names the (pinned) model in the body
        var body = call.Body;
        var edited = ArrayPool<byte>.Shared.Rent(VertexRequests.MaxAnthropicBodyLength(body.Length));
        body.Adopt(edited, VertexRequests.WriteAnthropicBody(body.Span, keepModel: counting, edited));
        // Claude Code's ?beta=true is not forwarded: Vertex AI's URL carries the method, and the betas travel as a header.
        var betas = VertexRequests.FilterBetas(call.CallerHeaders["anthropic-beta"].ToString(), account.Settings.AcceptedBetas);
        return new UpstreamPlan
        {
            Url = counting
                ? VertexRequests.AnthropicCountTokens(account.Host, account.Settings)
                : VertexRequests.AnthropicMessages(account.Host, account.Settings, call.UpstreamModel, body.Stream),
            Headers = betas is null || KeyMaterial.ContainsApiKey(betas) ? [bearer] : [bearer, new("anthropic-beta", betas)],
        };
    }

    public async Task<ConnectionResult> TestConnectionAsync(UpstreamAccount account, HttpClient http, CancellationToken cancellationToken)
    {
        if (account.State is not VertexAccount vertex)
            return new(false, ((Unusable)account.State!).Message);
        var (ok, message) = await vertex.TestConnectionAsync(http, cancellationToken);
        return new(ok, message);
    }

    /// <summary>Only <c>alt</c> (Gemini's <c>alt=sse</c>) means something to Vertex AI's Gemini methods.</summary>
    private static string AltOnly(QueryString query)
    {
        if (!query.HasValue)
            return "";
        var alt = QueryHelpers.ParseQuery(query.Value)["alt"];
        return alt.Count == 1 ? QueryString.Create("alt", alt[0]!).Value! : "";
    }

    /// <summary>The bound state of an account that cannot be used, saying why.</summary>
    private sealed record Unusable(string Message);
}
