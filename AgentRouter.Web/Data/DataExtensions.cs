using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Data;

public static class DataExtensions
{
    /// <summary>The store (EF Core, SQLite in the data folder by default), Data Protection and start-up migration.</summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DataOptions>().BindConfiguration(DataOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DataOptions>, ValidateDataOptions>();

        var options = builder.Configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var directory = Path.GetFullPath(options.Directory, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(directory);
        var connectionString = options.ConnectionString ?? $"Data Source={Path.Combine(directory, "agentrouter.db")}";

        // Interceptors come from the features (e.g. the gateway rebuilds its policy after relevant saves).
        builder.Services.AddDbContextFactory<AppDbContext>((services, db) => db
            .UseSqlite(connectionString)
            .AddInterceptors(services.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("AgentRouter");
        if (options.EphemeralKeys)
            builder.Services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
        else
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(directory, "keys")));

        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<StoreInitializer>();
        return builder;
    }
}

/// <summary>Work that must happen once the schema exists and before the first request, e.g. first-run seeding.</summary>
public interface IStoreSeeder
{
    Task SeedAsync(AppDbContext db, CancellationToken cancellationToken);
}

/// <summary>Applies migrations and runs the seeders at start, before the server accepts requests.</summary>
internal sealed class StoreInitializer(
    IDbContextFactory<AppDbContext> factory, IEnumerable<IStoreSeeder> seeders, ILogger<StoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets the console read while the usage writer commits.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var seeder in seeders)
            await seeder.SeedAsync(db, cancellationToken);
        logger.LogInformation("Store ready ({Provider})", db.Database.ProviderName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
