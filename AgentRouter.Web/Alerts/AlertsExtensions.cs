using AgentRouter.Web.Admin;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Alerts;

public static class AlertsExtensions
{
    /// <summary>Budget alerts: threshold evaluation, signed webhook and Slack deliveries, and the console bell.</summary>
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AlertOptions>, ValidateAlertOptions>();
        // Receivers are the organisation's own endpoints; a redirect is answered as a failure rather than followed.
        builder.Services.AddHttpClient(AlertDeliveryJob.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
        builder.Services.AddSingleton<ConsoleNotifications>();
        builder.Services.AddSingleton<AlertChannelService>();
        builder.Services.AddSingleton<AlertDeliveryJob>();
        builder.Services.AddTransient<BudgetAlertJob>();
        return builder;
    }

    /// <summary>The admin endpoints, under the admin API's policy. (The two recurring jobs are registered with the others in <c>Jobs/</c>.)</summary>
    public static WebApplication MapAlerts(this WebApplication app)
    {
        app.MapGroup("/api/admin").RequireAuthorization(AdminApi.Policy).DisableAntiforgery().MapAlertsApi();
        return app;
    }
}
