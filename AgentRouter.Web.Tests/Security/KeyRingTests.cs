using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AgentRouter.Web.Data;
using AgentRouter.Web.Hosting;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRouter.Web.Tests.Security;

/// <summary>The Data Protection key ring is encrypted at rest with the configured certificate, and still decrypts after
/// a restart; the log redaction masks keys whatever the level.</summary>
public sealed class KeyRingTests
{
    [Fact]
    public async Task WithACertificate_KeyFilesHoldNoClearKey_AndSecretsSurviveARestart()
    {
        var folder = Path.Combine(Path.GetTempPath(), "agentrouter-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var pfx = Path.Combine(folder, "keyring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=agentrouter-keyring-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(X509ContentType.Pfx, "pfx-password"));
        }
        var data = Path.Combine(folder, "data");
        string cipher;
        await using (var first = WithCertificate(new RouterFactory(data, keepData: true), pfx))
        {
            cipher = first.Services.GetRequiredService<SecretProtector>().Protect("sk-provider-secret-123456").Cipher;
        }

        var keyFiles = Directory.GetFiles(Path.Combine(data, "keys"), "*.xml");
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            var xml = await File.ReadAllTextAsync(file);
            Assert.Contains("encryptedSecret", xml);
            Assert.Contains("EncryptedData", xml);
            // Unencrypted, the master key sits in clear in a <value> element.
            Assert.DoesNotContain("<value>", xml);
        }

        await using var second = WithCertificate(new RouterFactory(data, keepData: false), pfx);
        Assert.Equal("sk-provider-secret-123456", second.Services.GetRequiredService<SecretProtector>().Unprotect(cipher));
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public void CertificateThatCannotBeLoaded_StopsTheStart_NamingTheSetting()
    {
        using var factory = WithCertificate(new RouterFactory(Path.Combine(Path.GetTempPath(), "agentrouter-tests", Guid.NewGuid().ToString("N"))), "/nonexistent/keyring.pfx");

        var error = Assert.ThrowsAny<Exception>(() => factory.Services);

        Assert.Contains("Data:KeyRingCertificatePath", error.ToString());
    }

    [Theory]
    [InlineData("Request starting HTTP/1.1 POST http://h/v1beta/models/m:generateContent?key=ar_team_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg - application/json", "http://h/v1beta/models/m:generateContent?[redacted] - application/json")]
    [InlineData("GET /v1/messages?beta=true&KEY=whatever HTTP/1.1", "GET /v1/messages?[redacted] HTTP/1.1")]
    [InlineData("proxying to https://upstream/path?Api_Key=secretvalue&x=1", "proxying to https://upstream/path?Api_Key=[redacted]&x=1")]
    [InlineData("header x-api-key: ar_payments_0123456789abcdefghij", "header x-api-key: ar_[redacted]")]
    [InlineData("a car_rental_company_name stays", "a car_rental_company_name stays")]
    [InlineData("GET /api/admin/usage?teamId=1&limit=5", "GET /api/admin/usage?teamId=1&limit=5")]
    public void Redact_MasksKeysAndGatewayQueryStrings_AndLeavesTheRest(string text, string expectedTail)
    {
        Assert.EndsWith(expectedTail, LogRedaction.Redact(text));
    }

    [Fact]
    public void RequestScopes_AreRedactedWhenAProviderReadsThem()
    {
        var scopes = new LoggerExternalScopeProvider();
        using (var services = new ServiceCollection()
                   .AddLogging(logging =>
                   {
                       logging.Services.AddSingleton<IExternalScopeProvider>(scopes);
                       logging.AddProvider(new ScopeKeepingProvider());
                   })
                   .AddLogRedaction()
                   .BuildServiceProvider())
        {
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Hosting");
            // The shape of hosting's per-request scope, with a key in the query string of a gateway route.
            using var scope = logger.BeginScope(new List<KeyValuePair<string, object?>>
            {
                new("RequestPath", "/v1beta/models/m:generateContent?key=ar_team_AbCdEfGhIjKlMnOpQrStUvWxYz0123"),
                new("Path", "/v1beta/models/m:generateContent"),
                new("QueryString", "?key=ar_team_AbCdEfGhIjKlMnOpQrStUvWxYz0123"),
            });
            var seen = new List<string>();
            scopes.ForEachScope((state, list) =>
            {
                list.Add(state?.ToString() ?? "");
                foreach (var (name, value) in (IEnumerable<KeyValuePair<string, object?>>)state!)
                    list.Add($"{name}={value}");
            }, seen);

            Assert.Contains("QueryString=?[redacted]", seen);
            Assert.Contains("RequestPath=/v1beta/models/m:generateContent?[redacted]", seen);
            Assert.DoesNotContain(seen, text => text.Contains("AbCdEfGh", StringComparison.Ordinal));
        }
    }

    /// <summary>A provider that keeps scopes (as the console and OpenTelemetry providers do) and writes nothing.</summary>
    private sealed class ScopeKeepingProvider : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) { }
        public void Dispose() { }
    }

    private static WebApplicationFactory<Program> WithCertificate(RouterFactory factory, string pfx) =>
        factory.WithWebHostBuilder(builder => builder
            .UseSetting("Data:EphemeralKeys", "false")
            .UseSetting("Data:KeyRingCertificatePath", pfx)
            .UseSetting("Data:KeyRingCertificatePassword", "pfx-password"));
}
