using System.Net;
using AgentRouter.Web.Admin;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentRouter.Web.Telemetry;

public static class TelemetryExtensions
{
    public const string MetricsPolicy = "Metrics";

    /// <summary>OpenTelemetry: the router's metrics (Prometheus at <c>/metrics</c>, OTLP when an <c>OTEL_EXPORTER_OTLP_*</c>
    /// endpoint is set) and, when exported, its spans.</summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MetricsOptions>, ValidateMetricsOptions>();
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
            return builder;

        builder.Services.AddSingleton<GatewayTelemetry>();
        builder.Services.AddSingleton<MetricsListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MetricsListener>());
        builder.Services.AddAuthorizationBuilder().AddPolicy(MetricsPolicy, policy => policy
            .AddAuthenticationSchemes(AdminTokenHandler.SchemeName)
            .RequireRole(Roles.Admin));

        var otlp = new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT" }
            .Any(key => !string.IsNullOrWhiteSpace(builder.Configuration[key]));
        var otel = builder.Services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, win over this default name.
            .ConfigureResource(resource => resource.AddService("agent-router").AddEnvironmentVariableDetector())
            .WithMetrics(metrics => metrics
                .AddMeter(RouterTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                // Prometheus scrapes on its own schedule; a cached answer would only hide fresh numbers.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        if (options.Traces ?? otlp)
            otel.WithTracing(tracing => tracing
                .AddSource(RouterTelemetry.SourceName)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !context.Request.Path.StartsWithSegments("/metrics")));
        if (otlp)
            otel.UseOtlpExporter();
        return builder;
    }

    /// <summary><c>/metrics</c> on the main port, for an admin token presented as a bearer.</summary>
    public static IEndpointRouteBuilder MapTelemetry(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled)
            app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(MetricsPolicy).ExcludeFromDescription();
        return app;
    }
}

/// <summary>Serves <c>/metrics</c> without authentication on <c>Metrics:Port</c>, a port of its own that a scraper
/// on the private network reaches and the public does not.</summary>
public sealed class MetricsListener(IOptions<MetricsOptions> options, IServiceProvider services) : IHostedService
{
    private WebApplication? _app;

    /// <summary>Where the listener is bound (e.g. <c>http://127.0.0.1:9464</c>), once started; null when not configured.</summary>
    public string? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Port is not { } port)
            return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (options.Value.Address == "*")
                kestrel.ListenAnyIP(port);
            else
                kestrel.Listen(IPAddress.Parse(options.Value.Address), port);
        });
        var app = builder.Build();
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            services.GetRequiredService<MeterProvider>(), context => context.Request.Path == "/metrics", null, null, null);
        await app.StartAsync(cancellationToken);
        _app = app;
        Address = app.Urls.First();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
            await _app.DisposeAsync();
    }
}
