using AgentRouter.Web.Redis;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRouter.Web.Data;

public static class HealthEndpoints
{
    private const string Ready = "ready";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthChecks()
            .AddCheck<StoppingCheck>("accepting", tags: [Ready])
            .AddCheck<StoreHealthCheck>("store", tags: [Ready]);
        if (builder.UsesRedis())
            checks.AddCheck<RedisHealthCheck>("redis", tags: [Ready]);
        return builder;
    }

    /// <summary><c>GET /healthz</c>: liveness, 200 while the process serves HTTP (the container HEALTHCHECK calls it; a
    /// failing dependency must not get the process restarted). <c>GET /healthz/ready</c>: readiness, 200 only when the
    /// store and Redis answer and the process is not shutting down (load balancers route by it).</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => !check.Tags.Contains(Ready) }).DisableHttpMetrics();
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteReportAsync,
        }).DisableHttpMetrics();
        return app;
    }

    /// <summary>Which check failed and why, so an operator reading the load balancer's probe sees the cause.</summary>
    private static Task WriteReportAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });

    private sealed class StoreHealthCheck(IDbContextFactory<AppDbContext> factory) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var db = await factory.CreateDbContextAsync(cancellationToken);
                return await db.Database.CanConnectAsync(cancellationToken) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("The store does not answer.");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("The store does not answer: " + ex.Message);
            }
        }
    }

    private sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.Database.PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:0.#} ms");
            }
            catch (Exception ex) when (RedisConnection.IsUnavailable(ex))
            {
                return HealthCheckResult.Unhealthy("Redis does not answer: " + ex.Message);
            }
        }
    }

    /// <summary>Not ready once shutdown has begun, so the load balancer stops sending new requests while streams that
    /// are open finish.</summary>
    private sealed class StoppingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("Shutting down.") : HealthCheckResult.Healthy());
    }
}
