using AgentRouter.Web.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Gateway;

/// <summary>Pipeline step 5: shapes the forwarded request. Forwards only the headers <see cref="ForwardedHeaders"/>
/// allows for the account's provider (so every credential the client sent stays behind) and injects the provider
/// account's own, the provider's way; points the request at the pinned model's upstream URL.</summary>
/// <param name="passthroughToken">The developer's own Anthropic token (passthrough billing): forwarded as it came, and no
/// organisation credential is added.</param>
public sealed class UpstreamTransformer(string upstreamUrl, UpstreamAccount account, string requestId, string? passthroughToken = null) : HttpTransformer
{
    public const string RequestIdHeader = "x-agentrouter-request-id";

    /// <summary>Response headers that would tell developers which organisation account served them.</summary>
    private static readonly string[] AccountHeaders = ["anthropic-organization-id", "openai-organization", "openai-project", "set-cookie"];

    /// <summary>The status the provider answered with; 0 when it did not answer.</summary>
    public int UpstreamStatus { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = new Uri(upstreamUrl);

        var headers = proxyRequest.Headers;
        RemoveDisallowed(headers, account.Kind);
        if (proxyRequest.Content is { } content)
            RemoveDisallowedContentHeaders(content.Headers);

        // Usage is read from the answer as it passes, which needs it uncompressed.
        headers.TryAddWithoutValidation("accept-encoding", "identity");

        if (passthroughToken is not null)
            // Never x-api-key beside it: Anthropic would prefer the key over the subscription token.
            headers.TryAddWithoutValidation("authorization", "Bearer " + passthroughToken);
        else
            InjectCredential(headers);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        UpstreamStatus = proxyResponse is null ? 0 : (int)proxyResponse.StatusCode;
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        foreach (var name in AccountHeaders)
            headers.Remove(name);
        headers[RequestIdHeader] = requestId;
        return proceed;
    }

    private void InjectCredential(System.Net.Http.Headers.HttpRequestHeaders headers)
    {
        if (account.Credential is not { Length: > 0 } credential)
            return;
        switch (account.Kind)
        {
            case ProviderKind.Anthropic:
                headers.TryAddWithoutValidation("x-api-key", credential);
                break;
            case ProviderKind.OpenAI:
                headers.TryAddWithoutValidation("authorization", "Bearer " + credential);
                break;
            case ProviderKind.Gemini:
                headers.TryAddWithoutValidation("x-goog-api-key", credential);
                break;
        }
    }

    /// <summary>Drops every header the allow-list does not name, and any allowed one whose value holds an Agent Router
    /// key. Looks through the non-validated view, which neither parses nor copies values (bench/Micro: a LINQ scan
    /// over the validated view allocated each header's values on every request), and only builds a list when there is
    /// something to remove.</summary>
    private static void RemoveDisallowed(System.Net.Http.Headers.HttpRequestHeaders headers, ProviderKind kind)
    {
        List<string>? found = null;
        foreach (var header in headers.NonValidated)
        {
            if (!ForwardedHeaders.IsAllowed(kind, header.Key) || HoldsKey(header.Value))
                (found ??= []).Add(header.Key);
        }
        if (found is null)
            return;
        foreach (var name in found)
            headers.Remove(name);
    }

    private static void RemoveDisallowedContentHeaders(System.Net.Http.Headers.HttpContentHeaders headers)
    {
        List<string>? found = null;
        foreach (var header in headers.NonValidated)
        {
            if (!header.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase) && !header.Key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
                || HoldsKey(header.Value))
                (found ??= []).Add(header.Key);
        }
        if (found is null)
            return;
        foreach (var name in found)
            headers.Remove(name);
    }

    private static bool HoldsKey(System.Net.Http.Headers.HeaderStringValues values)
    {
        foreach (var value in values)
        {
            if (Keys.KeyMaterial.ContainsApiKey(value))
                return true;
        }
        return false;
    }
}
