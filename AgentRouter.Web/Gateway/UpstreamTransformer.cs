using AgentRouter.Web.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Gateway;

/// <summary>Pipeline step 5: shapes the forwarded request. Forwards only the headers the account's adapter allows (so
/// every credential the client sent stays behind), adds the adapter's own (the account's credential, or the developer's
/// subscription token for passthrough billing), points the request at the planned URL and lets the adapter sign it;
/// hands the answer to the adapter's decoder when it has one.</summary>
public sealed class UpstreamTransformer(UpstreamPlan plan, UpstreamAccount account, string requestId, ReadOnlyMemory<byte> body) : HttpTransformer
{
    public const string RequestIdHeader = "x-agentrouter-request-id";

    /// <summary>Response headers that would tell developers which organisation account served them.</summary>
    private static readonly string[] AccountHeaders = ["anthropic-organization-id", "openai-organization", "openai-project", "set-cookie"];

    /// <summary>The status the provider answered with; 0 when it did not answer.</summary>
    public int UpstreamStatus { get; private set; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = new Uri(plan.Url);

        var headers = proxyRequest.Headers;
        RemoveDisallowed(headers, account.Adapter);
        if (proxyRequest.Content is { } content)
            RemoveDisallowedContentHeaders(content.Headers);

        // Usage is read from the answer as it passes, which needs it uncompressed.
        headers.TryAddWithoutValidation("accept-encoding", "identity");
        foreach (var (name, value) in plan.Headers)
            headers.TryAddWithoutValidation(name, value);
        plan.Sign?.Invoke(proxyRequest, body);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        UpstreamStatus = proxyResponse is null ? 0 : (int)proxyResponse.StatusCode;
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        var headers = httpContext.Response.Headers;
        foreach (var name in AccountHeaders)
            headers.Remove(name);
        headers[RequestIdHeader] = requestId;
        // The forwarder copies the body into whatever the response body is once this returns.
        if (proxyResponse is not null && plan.Decoder is { } decoder)
            httpContext.Response.Body = decoder.Start(proxyResponse, httpContext.Response, httpContext.Response.Body);
        return proceed;
    }

    /// <summary>Drops every header the allow-list does not name, and any allowed one whose value holds an Agent Router
    /// key. Looks through the non-validated view, which neither parses nor copies values (bench/Micro: a LINQ scan
    /// over the validated view allocated each header's values on every request), and only builds a list when there is
    /// something to remove.</summary>
    private static void RemoveDisallowed(System.Net.Http.Headers.HttpRequestHeaders headers, IProviderAdapter adapter)
    {
        List<string>? found = null;
        foreach (var header in headers.NonValidated)
        {
            if (!adapter.IsHeaderAllowed(header.Key) || HoldsKey(header.Value))
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
