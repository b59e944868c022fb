using System.Security.Cryptography;
using System.Text.Json;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>A service account made up by a test: a fresh RSA key pair, and the JSON key file Google would hand out for
/// it, pointing its <c>token_uri</c> wherever the test says.</summary>
public sealed class TestServiceAccount : IDisposable
{
    public TestServiceAccount(string tokenUri, string? email = null)
    {
        Email = email ?? $"router-{Guid.NewGuid():N}"[..20] + "@test-project.iam.gserviceaccount.com";
        KeyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        TokenUri = tokenUri;
        Json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "test-project",
            ["private_key_id"] = KeyId,
            ["private_key"] = Rsa.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = Email,
            ["client_id"] = "1234567890",
            ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
            ["token_uri"] = tokenUri,
        });
    }

    public RSA Rsa { get; } = RSA.Create(2048);
    public string Email { get; }
    public string KeyId { get; }
    public string TokenUri { get; }

    /// <summary>The key file's text, as uploaded to the router.</summary>
    public string Json { get; }

    /// <summary>The public half only, which is all the fake token endpoint gets to know.</summary>
    public RSAParameters PublicKey => Rsa.ExportParameters(includePrivateParameters: false);

    public void Dispose() => Rsa.Dispose();
}
