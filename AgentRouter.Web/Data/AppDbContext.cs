using AgentRouter.Web.Admin;
using AgentRouter.Web.Alerts;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.RateLimits;
using AgentRouter.Web.Teams;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace AgentRouter.Web.Data;

/// <summary>A person who signs in to the console.</summary>
public sealed class ConsoleUser : IdentityUser;

/// <summary>The one store behind the console, the admin API and the jobs. The gateway never queries it per request.</summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options) : IdentityDbContext<ConsoleUser>(options), IDataProtectionKeyContext
{
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<Developer> Developers => Set<Developer>();
    public DbSet<AccessProfile> Profiles => Set<AccessProfile>();
    public DbSet<ModelEntry> ModelEntries => Set<ModelEntry>();
    public DbSet<ProviderAccount> ProviderAccounts => Set<ProviderAccount>();
    public DbSet<CatalogEntry> Catalog => Set<CatalogEntry>();
    public DbSet<CatalogPrice> CatalogPrices => Set<CatalogPrice>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<Budget> Budgets => Set<Budget>();
    public DbSet<UsageRecord> Usage => Set<UsageRecord>();
    public DbSet<UsageRollup> UsageRollups => Set<UsageRollup>();
    public DbSet<DailyUsageRollup> DailyUsageRollups => Set<DailyUsageRollup>();
    public DbSet<MonthlyUsageRollup> MonthlyUsageRollups => Set<MonthlyUsageRollup>();
    public DbSet<LatencyRollup> LatencyRollups => Set<LatencyRollup>();
    public DbSet<RollupWatermark> RollupWatermarks => Set<RollupWatermark>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();
    public DbSet<McpServer> McpServers => Set<McpServer>();
    public DbSet<McpGrant> McpGrants => Set<McpGrant>();
    public DbSet<McpCallRecord> McpCalls => Set<McpCallRecord>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<AdminApiToken> AdminApiTokens => Set<AdminApiToken>();
    public DbSet<AlertChannel> AlertChannels => Set<AlertChannel>();
    public DbSet<AlertFiring> AlertFirings => Set<AlertFiring>();
    public DbSet<AlertDelivery> AlertDeliveries => Set<AlertDelivery>();
    public DbSet<AlertDeliveryAttempt> AlertDeliveryAttempts => Set<AlertDeliveryAttempt>();
    public DbSet<ConsoleNotification> Notifications => Set<ConsoleNotification>();
    public DbSet<ConsoleNotificationRead> NotificationReads => Set<ConsoleNotificationRead>();
    public DbSet<RateLimit> RateLimits => Set<RateLimit>();

    /// <summary>The Data Protection key ring, when it is kept in the store (PostgreSQL: shared by every replica).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    /// <summary>One row whose stamp changes with every policy change; replicas compare it as a safety net.</summary>
    public DbSet<Gateway.PolicyVersion> PolicyVersions => Set<Gateway.PolicyVersion>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

        // Ids are version-7 GUIDs made in code. Marking them "never generated" makes EF treat an entity that
        // arrives through a navigation (a new model entry on a profile) as new rather than as an update.
        foreach (var entity in builder.Model.GetEntityTypes())
            if (entity.FindPrimaryKey()?.Properties is [{ ClrType: var type } key] && type == typeof(Guid))
                key.ValueGenerated = Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never;
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        // SQLite cannot compare or order DateTimeOffset values in SQL; UTC ticks sort and compare correctly. PostgreSQL
        // stores them the same way, so both providers hold identical values and no query depends on the provider
        // (Npgsql would also refuse any DateTimeOffset whose offset is not zero, e.g. a local month's start).
        conventions.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        conventions.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
