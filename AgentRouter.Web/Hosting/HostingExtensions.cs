using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Hosting;

public static class HostingExtensions
{
    /// <summary>How the process runs: log redaction, graceful shutdown, JSON answers for early rejections.</summary>
    public static IHostApplicationBuilder AddHosting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddLogRedaction();
        builder.Services.AddOptions<ShutdownOptions>().BindConfiguration(ShutdownOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ShutdownOptions>, ValidateShutdownOptions>();
        builder.Services.AddSingleton<InFlightRequests>();
        // The host's own limit leaves the writers time to drain after the requests were ended at Shutdown:Timeout.
        builder.Services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = shutdown.Value.Timeout + ShutdownOptions.DrainAllowance);
        // A body the admin API cannot bind raises BadHttpRequestException, answered as JSON by EarlyRejections.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<EarlyRejections>();
        return builder;
    }

    /// <summary>First in the pipeline: every request is tracked, to be ended at the shutdown timeout, and a body Kestrel
    /// refused gets a JSON answer.</summary>
    public static WebApplication UseHosting(this WebApplication app)
    {
        var inFlight = app.Services.GetRequiredService<InFlightRequests>();
        // The RequestDelegate form: nothing is allocated per request to call the next step.
        app.Use(next => context => inFlight.TrackAsync(context, next));
        app.Use(next => context => EarlyRejections.AfterAsync(context, next));
        return app;
    }
}
