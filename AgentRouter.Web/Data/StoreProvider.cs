using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Migrations.Internal;

namespace AgentRouter.Web.Data;

/// <summary>Configures EF Core for the chosen database, with that database's own migrations set (EF Core's "migrations
/// with multiple providers": <c>Data/Migrations/Sqlite/</c> and <c>Data/Migrations/PostgreSql/</c>, one snapshot each).</summary>
public static class StoreProvider
{
    internal const string SqliteMigrations = "AgentRouter.Web.Data.Migrations.Sqlite";
    internal const string PostgreSqlMigrations = "AgentRouter.Web.Data.Migrations.PostgreSql";

    public static DbContextOptionsBuilder Use(DbContextOptionsBuilder db, DataOptions options, string contentRoot)
    {
        if (options.Provider == DataProvider.PostgreSQL)
            db.UseNpgsql(options.ConnectionString);
        else
            db.UseSqlite(options.SqliteConnectionString(contentRoot));
        // Both sets live in this assembly under the same context type; each provider sees only its own.
        return db.ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>();
    }
}

/// <summary>The migrations (and model snapshot) of the current provider only, told apart by namespace.</summary>
#pragma warning disable EF1001 // MigrationsAssembly is internal API, but the documented way to filter migrations.
internal sealed class ProviderMigrationsAssembly(
    ICurrentDbContext currentContext, IDbContextOptions options, IMigrationsIdGenerator idGenerator, IDiagnosticsLogger<DbLoggerCategory.Migrations> logger)
    : MigrationsAssembly(currentContext, options, idGenerator, logger)
{
    private readonly string _namespace = currentContext.Context.Database.IsNpgsql() ? StoreProvider.PostgreSqlMigrations : StoreProvider.SqliteMigrations;
    private IReadOnlyDictionary<string, TypeInfo>? _migrations;

    public override IReadOnlyDictionary<string, TypeInfo> Migrations =>
        _migrations ??= base.Migrations.Where(m => m.Value.Namespace == _namespace).ToDictionary();

    public override ModelSnapshot? ModelSnapshot =>
        Assembly.GetTypes()
            .Where(t => t.Namespace == _namespace && typeof(ModelSnapshot).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (ModelSnapshot)Activator.CreateInstance(t)!)
            .FirstOrDefault();
}
#pragma warning restore EF1001

/// <summary>For <c>dotnet ef</c>: <c>dotnet ef migrations add Name --output-dir Data/Migrations/PostgreSql
/// --namespace AgentRouter.Web.Data.Migrations.PostgreSql -- --provider PostgreSQL</c> (SQLite without the trailing
/// arguments and with the Sqlite folder). No database is contacted to add a migration.</summary>
public sealed class DesignTimeContextFactory : IDesignTimeDbContextFactory<AppDbContext>
{
    public AppDbContext CreateDbContext(string[] args)
    {
        var postgres = args.SkipWhile(a => a != "--provider").Skip(1).FirstOrDefault() is { } p && p.Equals("PostgreSQL", StringComparison.OrdinalIgnoreCase);
        var options = new DataOptions
        {
            Provider = postgres ? DataProvider.PostgreSQL : DataProvider.Sqlite,
            ConnectionString = postgres ? "Host=localhost;Database=agentrouter" : "Data Source=design-time.db",
        };
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        StoreProvider.Use(builder, options, Directory.GetCurrentDirectory());
        return new AppDbContext(builder.Options);
    }
}
