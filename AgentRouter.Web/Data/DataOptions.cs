using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Data;

/// <summary>Where the store lives. The embedded default is SQLite in <see cref="Directory"/>.</summary>
public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>Folder for the SQLite database and the Data Protection key ring; created on first start.</summary>
    public string Directory { get; set; } = "data";

    /// <summary>Overrides the SQLite connection string built from <see cref="Directory"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Keep the Data Protection keys in memory only (tests); credentials then do not survive a restart.</summary>
    public bool EphemeralKeys { get; set; }
}

internal sealed class ValidateDataOptions : IValidateOptions<DataOptions>
{
    public ValidateOptionsResult Validate(string? name, DataOptions options)
    {
        List<string> problems = [];
        if (string.IsNullOrWhiteSpace(options.Directory) && options.ConnectionString is null)
            problems.Add("Data:Directory must name a folder (or set Data:ConnectionString).");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
