using Microsoft.AspNetCore.DataProtection;

namespace AgentRouter.Web.Data;

/// <summary>Encrypts provider and MCP credentials at rest with ASP.NET Data Protection.</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("AgentRouter.Secrets.v1");

    public ProtectedSecret Protect(string secret) => new(_protector.Protect(secret), Hint(secret));

    public string Unprotect(string cipher) => _protector.Unprotect(cipher);

    /// <summary>The last four characters: enough to recognise a credential, too little to use it.</summary>
    public static string Hint(string secret) => secret.Length <= 8 ? "…" : "…" + secret[^4..];
}

public readonly record struct ProtectedSecret(string Cipher, string Hint);
