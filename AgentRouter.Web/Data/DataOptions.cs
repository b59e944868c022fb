using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Data;

/// <summary>Which database holds the store. SQLite is the embedded default (one process); PostgreSQL lets several
/// replicas share one store.</summary>
public enum DataProvider { Sqlite, PostgreSQL }

/// <summary>Where the store lives. The embedded default is SQLite in <see cref="Directory"/>.</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary><c>Sqlite</c> (default) or <c>PostgreSQL</c>.</summary>
    public DataProvider Provider { get; set; } = DataProvider.Sqlite;

    /// <summary>Folder for the SQLite database and (on SQLite) the Data Protection key ring; created on first start.</summary>
    public string Directory { get; set; } = "data";

    /// <summary>On SQLite, overrides the connection string built from <see cref="Directory"/>; on PostgreSQL, required
    /// (an Npgsql connection string such as <c>Host=db;Database=agentrouter;Username=router;Password=…</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Keep the Data Protection keys in memory only (tests); credentials then do not survive a restart.</summary>
    public bool EphemeralKeys { get; set; }

    /// <summary>The SQLite connection string this configuration means.</summary>
    internal string SqliteConnectionString(string contentRoot) =>
        ConnectionString ?? $"Data Source={Path.Combine(Path.GetFullPath(Directory, contentRoot), "agentrouter.db")}";

    /// <summary>A PFX file whose certificate encrypts the Data Protection key ring at rest.</summary>
    public string? KeyRingCertificatePath { get; set; }

    /// <summary>The password of <see cref="KeyRingCertificatePath"/>.</summary>
    public string? KeyRingCertificatePassword { get; set; }

    /// <summary>Alternatively, the thumbprint of a certificate in the CurrentUser or LocalMachine <c>My</c> store.</summary>
    public string? KeyRingCertificateThumbprint { get; set; }
}

internal sealed class ValidateDataOptions : IValidateOptions<DataOptions>
{
    public ValidateOptionsResult Validate(string? name, DataOptions options)
    {
        List<string> problems = [];
        if (!Enum.IsDefined(options.Provider))
            problems.Add("Data:Provider must be Sqlite or PostgreSQL.");
        if (options.Provider == DataProvider.Sqlite && string.IsNullOrWhiteSpace(options.Directory) && options.ConnectionString is null)
            problems.Add("Data:Directory must name a folder (or set Data:ConnectionString).");
        if (options.Provider == DataProvider.PostgreSQL)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
                problems.Add("Data:ConnectionString is required when Data:Provider is PostgreSQL.");
            else
            {
                try
                {
                    _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
                }
                catch (ArgumentException ex)
                {
                    problems.Add($"Data:ConnectionString is not a valid PostgreSQL connection string: {ex.Message}");
                }
            }
        }
        if (!string.IsNullOrWhiteSpace(options.KeyRingCertificatePath) && !string.IsNullOrWhiteSpace(options.KeyRingCertificateThumbprint))
            problems.Add("Set either Data:KeyRingCertificatePath or Data:KeyRingCertificateThumbprint, not both.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
