using AgentRouter.Web.Redis;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Budgets;

public static class BudgetExtensions
{
    public static IHostApplicationBuilder AddBudgets(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BudgetOptions>, ValidateBudgetOptions>();
        builder.Services.AddSingleton<BudgetLedger>();
        // Several replicas share one budget through Redis; one process keeps it in memory.
        if (builder.UsesRedis())
            builder.Services.AddSingleton<IBudgetLedger, RedisBudgetLedger>();
        else
            builder.Services.AddSingleton<IBudgetLedger>(services => services.GetRequiredService<BudgetLedger>());
        builder.Services.AddSingleton<BudgetStatus>();
        builder.Services.AddTransient<BudgetResetJob>();
        return builder;
    }
}

/// <summary>Closes budget windows that have ended: their in-memory spend is dropped (the store keeps the record),
/// and the next request in a scope starts the new window at zero. Idempotent; windows are computed in the
/// organisation's time zone, so DST days are 23 or 25 hours long.</summary>
public sealed class BudgetResetJob(IBudgetLedger ledger, ILogger<BudgetResetJob> logger)
{
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var closed = ledger.Prune();
        if (closed > 0)
            logger.LogInformation("Closed {Count} ended budget windows", closed);
        return Task.CompletedTask;
    }
}
