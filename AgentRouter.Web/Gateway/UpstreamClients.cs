using System.Net;
using AgentRouter.Web.Providers;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Gateway;

/// <summary>The HTTP clients the gateway forwards with: one pooled client for every real provider, or the adapter's own
/// in-process handler (the sandbox).</summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly HttpMessageInvoker _network;

    public UpstreamClients(IOptions<GatewayOptions> options)
    {
        _network = new HttpMessageInvoker(new SocketsHttpHandler
        {
            // A proxy forwards bytes as they are: no redirects, cookies or transparent decompression.
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = options.Value.UpstreamConnectTimeout,
            // Re-resolve provider DNS now and then; keep warm connections otherwise.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ActivityHeadersPropagator = null,
        });
    }

    public HttpMessageInvoker For(UpstreamAccount account) => account.Adapter.Invoker ?? _network;

    public void Dispose() => _network.Dispose();
}
