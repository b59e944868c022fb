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
        if (string.IsNullOrWhiteSpace(options.Directory) && options.ConnectionString is null)
            problems.Add("Data:Directory must name a folder (or set Data:ConnectionString).");
        if (!string.IsNullOrWhiteSpace(options.KeyRingCertificatePath) && !string.IsNullOrWhiteSpace(options.KeyRingCertificateThumbprint))
            problems.Add("Set either Data:KeyRingCertificatePath or Data:KeyRingCertificateThumbprint, not both.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
