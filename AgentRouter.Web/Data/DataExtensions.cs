using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Data;

public static class DataExtensions
{
    /// <summary>The store (EF Core on SQLite in the data folder by default, or PostgreSQL), Data Protection and
    /// start-up migration.</summary>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DataOptions>().BindConfiguration(DataOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DataOptions>, ValidateDataOptions>();

        var options = builder.Configuration.GetSection(DataOptions.Section).Get<DataOptions>() ?? new DataOptions();
        var contentRoot = builder.Environment.ContentRootPath;
        var directory = Path.GetFullPath(options.Directory, contentRoot);
        var sqlite = options.Provider == DataProvider.Sqlite;
        if (sqlite)
        {
            // The data folder holds the database, the key ring and the first-run token: private to this user.
            DataFolder.Prepare(directory);
            if (options.ConnectionString is null)
                DataFolder.PrepareFile(Path.Combine(directory, "agentrouter.db"));
        }

        // Interceptors come from the features (e.g. the gateway rebuilds its policy after relevant saves).
        builder.Services.AddDbContextFactory<AppDbContext>((services, db) =>
        {
            StoreProvider.Use(db, options, contentRoot)
                .AddInterceptors(services.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>());
            if (sqlite)
                db.AddInterceptors(SqliteConnectionPragmas.Instance);
        });
        if (sqlite)
            builder.Services.AddHostedService<SqliteCheckpointer>();

        // Other features chain onto this builder (e.g. encrypting the key ring at rest); where the keys are kept is
        // decided here only. On PostgreSQL every replica must read the same ring (credentials, console cookies), so it
        // lives in the store; on SQLite (one process) it stays in the data folder, where existing installs have it.
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("AgentRouter");
        if (options.EphemeralKeys)
            builder.Services.AddSingleton<IDataProtectionProvider, EphemeralDataProtectionProvider>();
        else
        {
            string where;
            if (options.Provider == DataProvider.PostgreSQL)
            {
                dataProtection.PersistKeysToDbContext<AppDbContext>();
                where = "the store (table DataProtectionKeys)";
            }
            else
            {
                var keys = new DirectoryInfo(Path.Combine(directory, "keys"));
                builder.Services.AddOptions<KeyManagementOptions>().Configure<ILoggerFactory>((management, loggers) =>
                    management.XmlRepository = new PrivateFileXmlRepository(keys, loggers));
                where = keys.FullName;
            }
            // Wherever the ring is kept, the configured certificate encrypts it at rest.
            var certificate = KeyRingCertificate.Load(options);
            if (certificate is not null)
                dataProtection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
            builder.Services.AddHostedService(services => new KeyRingWarning(where, certificate, services.GetRequiredService<ILogger<KeyRingWarning>>()));
        }

        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<StoreInitializer>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StoreInitializer>());
        return builder;
    }
}

/// <summary>Work that must happen once the schema exists and before the first request, e.g. first-run seeding.</summary>
public interface IStoreSeeder
{
    Task SeedAsync(AppDbContext db, CancellationToken cancellationToken);
}

/// <summary>Applies migrations and runs the seeders at start, before the server accepts requests. On PostgreSQL this
/// happens under a session advisory lock, so replicas that start together migrate and seed once: the first one in
/// does the work, the others wait for it and then find nothing pending.</summary>
public sealed class StoreInitializer(
    IDbContextFactory<AppDbContext> factory, IEnumerable<IStoreSeeder> seeders, ILogger<StoreInitializer> logger) : IHostedService
{
    /// <summary>The advisory lock key replicas agree on (any 64-bit number unique to this purpose).</summary>
    internal const long MigrationLockKey = 0x4147_5254_4d49_4752; // "AGRTMIGR"

    /// <summary>Migrations this process applied at start (none when another replica had already applied them).</summary>
    public IReadOnlyList<string> Applied { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets the console read while the usage writer commits.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            await MigrateAndSeedAsync(db, cancellationToken);
            return;
        }

        // The lock is held by a connection of its own, so it covers the migration's own connections and transactions.
        await using var lockConnection = new Npgsql.NpgsqlConnection(db.Database.GetConnectionString());
        await lockConnection.OpenAsync(cancellationToken);
        await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            await MigrateAndSeedAsync(db, cancellationToken);
        }
        finally
        {
            await using var release = new Npgsql.NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task MigrateAndSeedAsync(AppDbContext db, CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        Applied = pending;
        foreach (var seeder in seeders)
            await seeder.SeedAsync(db, cancellationToken);
        logger.LogInformation("Store ready ({Provider}; {Count} migrations applied at start)", db.Database.ProviderName, pending.Count);
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
                "SECURITY: the Data Protection key ring in {Folder} is NOT encrypted at rest. Anyone who can read it can decrypt every stored provider and MCP credential. Set Data:KeyRingCertificatePath (a PFX) and Data:KeyRingCertificatePassword, or Data:KeyRingCertificateThumbprint, to encrypt it with a certificate.",
                folder);
        else
            logger.LogInformation("The Data Protection key ring in {Folder} is encrypted with certificate {Thumbprint}", folder, certificate.Thumbprint);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Set on every SQLite connection as it opens.
/// <list type="bullet">
/// <item>WAL with <c>synchronous=NORMAL</c> (SQLite's recommendation for WAL): a commit is written to the WAL without
/// waiting for fsync. A committed batch survives the process being killed (the OS holds the write); only a power cut can
/// lose the last commits, never corrupt the store. It keeps a commit of the usage writer short under load, which bounds
/// what SIGKILL can lose (README, "Security model").</item>
/// <item><c>temp_store=MEMORY</c>: statement journals (the pages a statement changes, kept until it ends so a failed
/// statement can be undone inside its transaction) and the console's sort B-trees live in memory, not in temporary
/// files. Every usage INSERT journals each index page it touches; on disk that was a <c>pwrite</c> per page and
/// 12 % of the router's CPU under load (perf, c=32). Nothing there outlives its statement.</item>
/// <item><c>wal_autocheckpoint=10000</c>: <see cref="SqliteCheckpointer"/> checkpoints every second off the commit
/// path; a commit checkpoints itself only if the log passes 10,000 pages (40 MB) all the same.</item>
/// </list></summary>
internal sealed class SqliteConnectionPragmas : Microsoft.EntityFrameworkCore.Diagnostics.DbConnectionInterceptor
{
    public static readonly SqliteConnectionPragmas Instance = new();

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
        command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=10000;";
        command.ExecuteNonQuery();
    }
}
