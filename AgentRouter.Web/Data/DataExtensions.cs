using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
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
        var directory = DataFolder.Prepare(Path.GetFullPath(options.Directory, builder.Environment.ContentRootPath));
        var connectionString = options.ConnectionString ?? $"Data Source={DataFolder.PrepareFile(Path.Combine(directory, "agentrouter.db"))}";

        // Interceptors come from the features (e.g. the gateway rebuilds its policy after relevant saves).
        builder.Services.AddDbContextFactory<AppDbContext>((services, db) => db
            .UseSqlite(connectionString)
            .AddInterceptors(services.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>())
            .AddInterceptors(SqliteCommitWithoutFsync.Instance));

        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("AgentRouter");
        if (options.EphemeralKeys)
            builder.Services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
        else
        {
            var keys = new DirectoryInfo(Path.Combine(directory, "keys"));
            builder.Services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((management, loggers) =>
                management.XmlRepository = new PrivateFileXmlRepository(keys, loggers));
            var certificate = KeyRingCertificate.Load(options);
            if (certificate is not null)
                dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
            builder.Services.AddHostedService(services => new KeyRingWarning(keys.FullName, certificate, services.GetRequiredService<ILogger<KeyRingWarning>>()));
        }

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

/// <summary>Says at start whether the key ring is encrypted at rest, loudly when it is not.</summary>
internal sealed class KeyRingWarning(string folder, X509Certificate2? certificate, ILogger<KeyRingWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (certificate is null)
            logger.LogWarning(
                "SECURITY: the Data Protection key ring in {Folder} is NOT encrypted at rest. Anyone who can read that folder can decrypt every stored provider and MCP credential. Set Data:KeyRingCertificatePath (a PFX) and Data:KeyRingCertificatePassword, or Data:KeyRingCertificateThumbprint, to encrypt it with a certificate.",
                folder);
        else
            logger.LogInformation("The Data Protection key ring in {Folder} is encrypted with certificate {Thumbprint}", folder, certificate.Thumbprint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>WAL with <c>synchronous=NORMAL</c> (SQLite's recommendation for WAL): a commit is written to the WAL without
/// waiting for fsync. A committed batch survives the process being killed (the OS holds the write); only a power cut can
/// lose the last commits, never corrupt the store. It keeps a commit of the usage writer short under load, which bounds
/// what SIGKILL can lose (README, "Security model").</summary>
internal sealed class SqliteCommitWithoutFsync : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public static readonly SqliteCommitWithoutFsync Instance = new();

    public override void ConnectionOpened(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData) =>
        Apply(connection);

    public override Task ConnectionOpenedAsync(System.Data.Common.DbConnection connection, Microsoft.EntityFrameworkCore.Diagnostics.ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    private static void Apply(System.Data.Common.DbConnection connection)
    {
        if (connection is not Microsoft.Data.Sqlite.SqliteConnection)
            return;
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }
}
