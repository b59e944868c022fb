using AgentRouter.Web.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Gateway;

/// <summary>Pipeline step 5: shapes the forwarded request. Strips every credential the client sent and injects the
/// provider account's, the provider's way; points the request at the pinned model's upstream URL.</summary>
/// <param name="passthroughToken">The developer's own Anthropic token (passthrough billing): forwarded as it came, and no
/// organisation credential is added.</param>
public sealed class UpstreamTransformer(string upstreamUrl, UpstreamAccount account, string requestId, string? passthroughToken = null) : HttpTransformer
{
    public const string RequestIdHeader = "x-agentrouter-request-id";

    /// <summary>Response headers that would tell developers which organisation account served them.</summary>
    private static readonly string[] AccountHeaders = ["anthropic-organization-id", "openai-organization", "openai-project", "set-cookie"];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = new Uri(upstreamUrl);

        var headers = proxyRequest.Headers;
        foreach (var name in KeyIdentifier.KeyHeaders)
            headers.Remove(name);
        headers.Remove("cookie");
        RemoveRouterHeaders(headers);

        // Usage is read from the answer as it passes, which needs it uncompressed.
        headers.Remove("accept-encoding");
        headers.TryAddWithoutValidation("accept-encoding", "identity");

        if (passthroughToken is not null)
            // Never x-api-key beside it: Anthropic would prefer the key over the subscription token.
            headers.TryAddWithoutValidation("authorization", "Bearer " + passthroughToken);
        else
            InjectCredential(headers);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
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

    /// <summary>Drops every <c>x-agent-router-*</c> / <c>x-agentrouter-*</c> header. Looks through the non-validated
    /// view, which neither parses nor copies values (bench/Micro: the LINQ scan over the validated view allocated
    /// each header's values on every request), and only builds a list when there is something to remove.</summary>
    private static void RemoveRouterHeaders(System.Net.Http.Headers.HttpRequestHeaders headers)
    {
        List<string>? found = null;
        foreach (var header in headers.NonValidated)
        {
            if (IsRouterHeader(header.Key))
                (found ??= []).Add(header.Key);
        }
        if (found is null)
            return;
        foreach (var name in found)
            headers.Remove(name);
    }

    private static bool IsRouterHeader(string name) =>
        name.StartsWith("x-agent-router-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("x-agentrouter-", StringComparison.OrdinalIgnoreCase);
}
