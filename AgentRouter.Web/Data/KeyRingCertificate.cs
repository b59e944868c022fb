using System.Security.Cryptography.X509Certificates;

namespace AgentRouter.Web.Data;

/// <summary>The certificate that encrypts the Data Protection key ring at rest (<c>Data:KeyRingCertificatePath</c> and
/// <c>Data:KeyRingCertificatePassword</c>, or <c>Data:KeyRingCertificateThumbprint</c>).</summary>
internal static class KeyRingCertificate
{
    /// <summary>The configured certificate with its private key, null when none is configured; throws, naming the
    /// setting, when one is configured but cannot be used (the process must not start and write keys in clear).</summary>
    public static X509Certificate2? Load(DataOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.KeyRingCertificatePath))
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(options.KeyRingCertificatePath, options.KeyRingCertificatePassword);
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"Data:KeyRingCertificatePath: the certificate '{options.KeyRingCertificatePath}' could not be loaded ({ex.Message}). Check the path and Data:KeyRingCertificatePassword.", ex);
            }
            return RequirePrivateKey(certificate, "Data:KeyRingCertificatePath");
        }
        if (!string.IsNullOrWhiteSpace(options.KeyRingCertificateThumbprint))
        {
            var thumbprint = options.KeyRingCertificateThumbprint.Replace(" ", "", StringComparison.Ordinal);
            foreach (var location in new[] { StoreLocation.CurrentUser, StoreLocation.LocalMachine })
            {
                using var store = new X509Store(StoreName.My, location);
                try
                {
                    store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    continue;
                }
                var found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, validOnly: false);
                if (found.Count > 0)
                    return RequirePrivateKey(found[0], "Data:KeyRingCertificateThumbprint");
            }
            throw new InvalidOperationException($"Data:KeyRingCertificateThumbprint: no certificate with thumbprint {thumbprint} in the CurrentUser or LocalMachine 'My' store.");
        }
        return null;
    }

    private static X509Certificate2 RequirePrivateKey(X509Certificate2 certificate, string setting) =>
        certificate.HasPrivateKey ? certificate
            : throw new InvalidOperationException($"{setting}: the certificate {certificate.Thumbprint} has no private key; the key ring could be encrypted but never read back.");
}
