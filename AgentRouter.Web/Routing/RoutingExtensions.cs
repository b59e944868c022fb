using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Routing;

public static class RoutingExtensions
{
    /// <summary>Failover and load balancing over a model's targets, with a circuit breaker per target.</summary>
    public static IHostApplicationBuilder AddModelRouting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RoutingOptions>, ValidateRoutingOptions>();
        builder.Services.AddSingleton(new TargetSelector());
        builder.Services.AddSingleton<TargetHealth>();
        builder.Services.AddSingleton<Failover>();
        builder.Services.AddSingleton<TargetHealthView>();
        return builder;
    }

    /// <summary>GET /api/admin/teams/{teamId}/targets: each multi-target model's targets and their breakers.</summary>
    public static IEndpointRouteBuilder MapModelRouting(this IEndpointRouteBuilder app)
    {
        TargetHealthView.Map(app);
        return app;
    }
}
