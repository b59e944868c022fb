using System.Net;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Providers.Sandbox;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Gateway;

/// <summary>The HTTP clients the gateway forwards with: one pooled client for every real provider, and the
/// in-process sandbox provider.</summary>
public sealed class UpstreamClients : IDisposable
{
    private readonly HttpMessageInvoker _network;
    private readonly HttpMessageInvoker _sandbox;

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
        _sandbox = new HttpMessageInvoker(new SandboxHandler(options.Value.SandboxEventDelay));
    }

    public HttpMessageInvoker For(UpstreamAccount account) => account.Kind == ProviderKind.Sandbox ? _sandbox : _network;

    public void Dispose()
    {
        _network.Dispose();
        _sandbox.Dispose();
    }
}
