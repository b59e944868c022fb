using AgentRouter.Web.Admin;
using AgentRouter.Web.Alerts;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Console;
using AgentRouter.Web.Data;
using Hangfire;
using Hangfire.Dashboard;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Jobs;

public static class JobsExtensions
{
    /// <summary>Where the dashboard is mounted (console Admins only).</summary>
    public const string DashboardPath = "/jobs";

    /// <summary>Hangfire: storage (SQLite in the data folder, or in memory), the server, and the job classes.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobsOptions>, ValidateJobsOptions>();
        var options = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();

        // This process's own storage, registered before AddHangfire so the dashboard, the server and the recurring
        // job manager use it rather than the static JobStorage.Current (which several hosts in one test run share).
        // On PostgreSQL the jobs share the store's database, so each recurring job runs once across all replicas.
        var data = builder.Configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var storage = options.Storage ?? (data.Provider == DataProvider.PostgreSQL ? "PostgreSQL" : "SQLite");
        builder.Services.AddSingleton<JobStorage>(services => storage switch
        {
            "InMemory" => new InMemoryStorage(),
            "PostgreSQL" => new PostgreSqlStorage(new NpgsqlConnectionFactory(data.ConnectionString!, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions()),
            _ => new SQLiteStorage(DataFolder.PrepareFile(Path.Combine(DataDirectory(builder, services), "hangfire.db")), new SQLiteStorageOptions()),
        });
        builder.Services.AddHangfire((services, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseLogProvider(new HostLogProvider(services.GetRequiredService<ILoggerFactory>()))
            .UseStorage(services.GetRequiredService<JobStorage>()));
        if (options.Server)
            builder.Services.AddHangfireServer(server =>
            {
                server.WorkerCount = options.WorkerCount;
                // The web server stops first (Shutdown:Timeout); the jobs then get what the host allows after it.
                server.ShutdownTimeout = Hosting.ShutdownOptions.DrainAllowance;
            });
        return builder;
    }

    /// <summary>Registers the recurring jobs and mounts the dashboard at <see cref="DashboardPath"/>.</summary>
    public static WebApplication MapJobs(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<JobsOptions>>().Value;
        RegisterRecurringJobs(app.Services.GetRequiredService<IRecurringJobManager>(), options);
        // Hangfire's stats handler reads the posted form of the dashboard's poll and throws (a 500) on anything else.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.Equals(DashboardPath + "/stats", StringComparison.OrdinalIgnoreCase) &&
                !(HttpMethods.IsPost(context.Request.Method) && context.Request.HasFormContentType))
            {
                var post = HttpMethods.IsPost(context.Request.Method);
                context.Response.StatusCode = post ? StatusCodes.Status415UnsupportedMediaType : StatusCodes.Status405MethodNotAllowed;
                context.Response.Headers.Allow = HttpMethods.Post;
                await context.Response.WriteAsJsonAsync(new
                {
                    title = post ? "The dashboard's stats are read from a form post." : "The dashboard's stats are read with POST.",
                    status = context.Response.StatusCode,
                });
                return;
            }
            await next();
        });
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            DashboardTitle = "Agent Router jobs",
            AppPath = "/",
            Authorization = [new AdminDashboardAuthorization()],
        }).RequireAuthorization(ConsolePolicies.Admin);
        return app;
    }

    /// <summary>Every recurring job, in one place. Schedules are UTC; each job works out local months itself.</summary>
    internal static void RegisterRecurringJobs(IRecurringJobManager jobs, JobsOptions options)
    {
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        jobs.AddOrUpdate<UsageRollupJob>("usage-rollup", job => job.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
        jobs.AddOrUpdate<InvoiceJob>("invoices", job => job.RunAsync(CancellationToken.None), options.InvoiceSchedule, utc);
        // Windows end at local midnights; hourly closes each within the hour whatever the time zone's offset.
        jobs.AddOrUpdate<BudgetResetJob>("budget-reset", job => job.RunAsync(CancellationToken.None), Cron.Hourly(), utc);
        // Alerts read the ledger's live spend each minute (off the hot path); deliveries retry on their own schedule.
        jobs.AddOrUpdate<BudgetAlertJob>("budget-alerts", job => job.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
        jobs.AddOrUpdate<AlertDeliveryJob>("alert-deliveries", job => job.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
    }

    private static string DataDirectory(IHostApplicationBuilder builder, IServiceProvider services)
    {
        var data = services.GetRequiredService<IOptions<DataOptions>>().Value;
        return DataFolder.Prepare(Path.GetFullPath(data.Directory, builder.Environment.ContentRootPath));
    }
}

/// <summary>The dashboard can trigger and delete jobs: only a signed-in console Admin may open it.</summary>
internal sealed class AdminDashboardAuthorization : IDashboardAuthorizationFilter
{
    public bool Authorize(DashboardContext context) =>
        context.GetHttpContext().User is { Identity.IsAuthenticated: true } user && user.IsInRole(Roles.Admin);
}
