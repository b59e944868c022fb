using AgentRouter.Web.Redis;

namespace AgentRouter.Web.Mcp;

public static class McpExtensions
{
    /// <summary>The MCP gateway: server registry, per-server proxy, aggregated endpoint and tool-call records.</summary>
    public static IHostApplicationBuilder AddMcp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<McpServerService>();
        builder.Services.AddSingleton<McpUpstreamClient>();
        builder.Services.AddSingleton<McpProxy>();
        builder.Services.AddSingleton<McpAggregator>();
        if (builder.UsesRedis())
            builder.Services.AddSingleton<IMcpSessionStore, RedisMcpSessionStore>();
        else
            builder.Services.AddSingleton<IMcpSessionStore, InProcessMcpSessionStore>();
        builder.Services.AddSingleton<McpToolDiscovery>();
        builder.Services.AddSingleton<McpCallRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<McpCallRecorder>());
        return builder;
    }

    /// <summary><c>/mcp</c> (every granted server behind one endpoint), <c>/mcp/{server}</c> (one server) and the admin API.</summary>
    public static IEndpointRouteBuilder MapMcp(this IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("/mcp").ExcludeFromDescription().DisableAntiforgery();
        gateway.MapMethods("/", [HttpMethods.Post, HttpMethods.Get, HttpMethods.Delete], (HttpContext context, McpAggregator aggregator) => aggregator.HandleAsync(context));
        gateway.Map("/{server}", (HttpContext context, string server, McpProxy proxy) => proxy.HandleAsync(context, server));
        app.MapMcpAdminApi();
        return app;
    }
}
