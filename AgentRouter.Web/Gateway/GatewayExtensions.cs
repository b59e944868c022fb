using AgentRouter.Web.Data;
using AgentRouter.Web.Redis;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Gateway;

public static class GatewayExtensions
{
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, ValidateGatewayOptions>();
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<PolicyCache>();
        builder.Services.AddSingleton<IInterceptor, PolicyChangeInterceptor>();
        builder.Services.AddHostedService<PolicyWarmup>();
        // Other replicas hear of policy changes through Redis, else PostgreSQL, and check the store's stamp regardless.
        if (builder.UsesRedis())
            builder.Services.AddSingleton<IPolicyNotifier, RedisPolicyNotifier>();
        else if (builder.Configuration.GetSection(DataOptions.Section).Get<DataOptions>()?.Provider == DataProvider.PostgreSQL)
            builder.Services.AddSingleton<IPolicyNotifier, PostgresPolicyNotifier>();
        else
            builder.Services.AddSingleton<IPolicyNotifier, InProcessPolicyNotifier>();
        builder.Services.AddHostedService<PolicySync>();
        builder.Services.AddSingleton<KeyIdentifier>();
        builder.Services.AddSingleton<UpstreamClients>();
        builder.Services.AddSingleton<GatewayHandler>();
        builder.Services.AddSingleton<ModelListing>();
        return builder;
    }

    /// <summary>The provider-compatible endpoints developers' tools call.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        var gateway = app.MapGroup("").ExcludeFromDescription().DisableAntiforgery();

        gateway.MapPost("/v1/messages", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.AnthropicMessages, null));
        gateway.MapPost("/v1/messages/count_tokens", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.AnthropicCountTokens, null));
        gateway.MapPost("/v1/chat/completions", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.OpenAIChat, null));
        gateway.MapPost("/v1beta/models/{target}", (HttpContext context, string target, GatewayHandler handler) =>
        {
            // "{model}:{method}", e.g. "gemini-2.5-pro:streamGenerateContent".
            var colon = target.LastIndexOf(':');
            var surface = colon > 0 ? ApiSurface.ForGeminiMethod(target[(colon + 1)..]) : null;
            return surface is null
                ? GatewayError.NotFound($"Unsupported Gemini method in '{target}'. Supported: generateContent, streamGenerateContent, countTokens.").WriteAsync(context, ApiDialect.Gemini)
                : handler.HandleAsync(context, surface, target[..colon]);
        });

        gateway.MapGet("/v1/models", (HttpContext context, ModelListing models) => models.ListAsync(context, ModelListing.DialectOfV1(context.Request)));
        gateway.MapGet("/v1/models/{id}", (HttpContext context, string id, ModelListing models) => models.GetAsync(context, ModelListing.DialectOfV1(context.Request), id));
        gateway.MapGet("/v1beta/models", (HttpContext context, ModelListing models) => models.ListAsync(context, ApiDialect.Gemini));
        gateway.MapGet("/v1beta/models/{id}", (HttpContext context, string id, ModelListing models) => models.GetAsync(context, ApiDialect.Gemini, id));

        // Anything else under the API roots gets a clear 404 in the caller's dialect instead of a console page.
        gateway.Map("/v1/{**rest}", (HttpContext context) => Unsupported(context, ModelListing.DialectOfV1(context.Request)));
        gateway.Map("/v1beta/{**rest}", (HttpContext context) => Unsupported(context, ApiDialect.Gemini));

        // Claude Code probes the base URL with a credential-less HEAD before its first request.
        gateway.MapMethods("/", [HttpMethods.Head], () => Results.Ok());
        return app;
    }

    private static Task Unsupported(HttpContext context, ApiDialect dialect) =>
        GatewayError.NotFound($"{context.Request.Method} {context.Request.Path} is not an endpoint Agent Router serves.").WriteAsync(context, dialect);
}
