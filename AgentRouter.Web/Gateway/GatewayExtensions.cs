using AgentRouter.Web.Data;
using AgentRouter.Web.Providers;
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
        builder.Services.AddProviderAdapters();
        builder.Services.AddSingleton<UpstreamClients>();
        builder.Services.AddSingleton<GatewayHandler>();
        builder.Services.AddSingleton<ModelListing>();
        return builder;
    }

    /// <summary>The provider-compatible endpoints developers' tools call.</summary>
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder app)
    {
        // Short-circuited: routing runs the endpoint at once, so the console's authentication, authorization and
        // antiforgery middleware (which the gateway's own key check makes moot here) never run on the hot path.
        var gateway = app.MapGroup("").ExcludeFromDescription().DisableAntiforgery();
        gateway.ShortCircuit();

        gateway.MapPost("/v1/messages", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.AnthropicMessages, null));
        gateway.MapPost("/v1/messages/count_tokens", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.AnthropicCountTokens, null));
        gateway.MapPost("/v1/chat/completions", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.OpenAIChat, null));
        gateway.MapPost("/v1/responses", (HttpContext context, GatewayHandler handler) => handler.HandleAsync(context, ApiSurface.OpenAIResponses, null));
        gateway.MapPost("/v1beta/models/{target}", (HttpContext context, string target, GatewayHandler handler) =>
        {
            // "{model}:{method}", e.g. "gemini-2.5-pro:streamGenerateContent".
            var colon = target.LastIndexOf(':');
            if (colon < 0 ? ApiSurface.ForGeminiMethod(target) is not null : string.IsNullOrWhiteSpace(target[..colon]))
                return GatewayError.InvalidRequest(
                    $"The path names no model: call /v1beta/models/{{model}}:{(colon < 0 ? target : target[(colon + 1)..])}, e.g. /v1beta/models/gemini-2.5-pro:generateContent.").WriteAsync(context, ApiDialect.Gemini);
            if (colon < 0)
                return Unsupported(context, ApiDialect.Gemini);
            var surface = colon > 0 ? ApiSurface.ForGeminiMethod(target[(colon + 1)..]) : null;
            return surface is null
                ? GatewayError.NotFound($"Unsupported Gemini method in '{target}'. Supported: generateContent, streamGenerateContent, countTokens.").WriteAsync(context, ApiDialect.Gemini)
                : handler.HandleAsync(context, surface, target[..colon]);
        });

        gateway.MapGet("/v1/models", (HttpContext context, ModelListing models) => models.ListAsync(context, ModelListing.DialectOfV1(context.Request)));
        gateway.MapGet("/v1/models/{id}", (HttpContext context, string id, ModelListing models) => models.GetAsync(context, ModelListing.DialectOfV1(context.Request), id));
        gateway.MapGet("/v1beta/models", (HttpContext context, ModelListing models) => models.ListAsync(context, ApiDialect.Gemini));
        gateway.MapGet("/v1beta/models/{id}", (HttpContext context, string id, ModelListing models) =>
            id.Contains(':') ? Unsupported(context, ApiDialect.Gemini) : models.GetAsync(context, ApiDialect.Gemini, id));

        // Anything else under the API roots gets a clear 404 in the caller's dialect instead of a console page.
        gateway.Map("/v1/{**rest}", (HttpContext context) => Unsupported(context, ModelListing.DialectOfV1(context.Request)));
        gateway.Map("/v1beta/{**rest}", (HttpContext context) => Unsupported(context, ApiDialect.Gemini));

        // Claude Code probes the base URL with a credential-less HEAD before its first request.
        gateway.MapMethods("/", [HttpMethods.Head], () => Results.Ok());
        return app;
    }

    private static Task Unsupported(HttpContext context, ApiDialect dialect)
    {
        var path = context.Request.Path.Value ?? "";
        if (AllowedMethod(path) is { } allowed && !string.Equals(allowed, context.Request.Method, StringComparison.OrdinalIgnoreCase))
        {
            // A known endpoint called with the wrong method: say which method it takes rather than that it does not exist.
            context.Response.Headers.Allow = allowed;
            return new GatewayError(StatusCodes.Status405MethodNotAllowed, ErrorKind.InvalidRequest,
                $"{path} takes {allowed}, not {context.Request.Method}.").WriteAsync(context, dialect);
        }
        return GatewayError.NotFound($"{context.Request.Method} {path} is not an endpoint Agent Router serves.").WriteAsync(context, dialect);
    }

    /// <summary>The one method a gateway path takes, when the path is one the gateway serves.</summary>
    private static string? AllowedMethod(string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed is "/v1/messages" or "/v1/messages/count_tokens" or "/v1/chat/completions" or "/v1/responses")
            return HttpMethods.Post;
        if (trimmed == "/v1/models" || trimmed == "/v1beta/models")
            return HttpMethods.Get;
        foreach (var root in (ReadOnlySpan<string>)["/v1/models/", "/v1beta/models/"])
        {
            if (!trimmed.StartsWith(root, StringComparison.Ordinal) || trimmed.Length == root.Length || trimmed.IndexOf('/', root.Length) >= 0)
                continue;
            var colon = trimmed.LastIndexOf(':');
            if (colon < root.Length)
                return HttpMethods.Get;
            return root == "/v1beta/models/" && ApiSurface.ForGeminiMethod(trimmed[(colon + 1)..]) is not null ? HttpMethods.Post : null;
        }
        return null;
    }
}
