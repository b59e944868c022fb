using System.Net;
using AgentRouter.Web.Gateway;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Mcp;

/// <summary>The pooled connection to MCP servers: one handler, as an invoker for the forwarder and as an
/// <see cref="HttpClient"/> for the aggregated endpoint's own requests.</summary>
public sealed class McpUpstreamClient : IDisposable
{
    private readonly SocketsHttpHandler _handler;

    public McpUpstreamClient(IOptions<GatewayOptions> options)
    {
        _handler = new SocketsHttpHandler
        {
            // A proxy forwards bytes as they are: no redirects (which would carry the credential elsewhere), cookies
            // or transparent decompression.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.Value.UpstreamConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ActivityHeadersPropagator = null,
        };
        Invoker = new HttpMessageInvoker(_handler, disposeHandler: false);
        Http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public HttpMessageInvoker Invoker { get; }
    public HttpClient Http { get; }

    public void Dispose()
    {
        Invoker.Dispose();
        Http.Dispose();
        _handler.Dispose();
    }
}
