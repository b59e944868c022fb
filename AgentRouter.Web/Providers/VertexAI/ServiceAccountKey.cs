using System.Net;
using System.Security.Cryptography;
using System.Text;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Json;
using Google.Apis.Util;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>A Google service-account JSON key, read and checked with Google.Apis.Auth's own types. Holds the private
/// key, so it never prints it.</summary>
public sealed class ServiceAccountKey
{
    /// <summary>The one scope Vertex AI needs: every Google Cloud API the account's IAM roles allow.</summary>
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    private readonly JsonCredentialParameters _parameters;

    private ServiceAccountKey(JsonCredentialParameters parameters, string json)
    {
        _parameters = parameters;
        Json = json;
        Fingerprint = FingerprintOf(json);
    }

    /// <summary>The fingerprint a key's text has, without reading the key.</summary>
    public static string FingerprintOf(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.Trim())));

    /// <summary>The key as uploaded (trimmed), the text that is encrypted at rest.</summary>
    internal string Json { get; }

    /// <summary>SHA-256 of <see cref="Json"/>: a rotated key has another one, so its cached token is never reused.</summary>
    public string Fingerprint { get; }

    public string ClientEmail => _parameters.ClientEmail;
    public string PrivateKeyId => _parameters.PrivateKeyId ?? "";
    public string? ProjectId => _parameters.ProjectId;

    /// <summary>Where tokens are minted: the key's own <c>token_uri</c> (Google's by default).</summary>
    public string TokenUri => _parameters.TokenUri ?? GoogleAuthConsts.OidcTokenUrl;

    /// <summary>What may be shown of the key again: the last four characters of its key id.</summary>
    public string Hint => "…" + (PrivateKeyId.Length <= 4 ? PrivateKeyId : PrivateKeyId[^4..]);

    /// <summary>Reads a service-account key, or says (in <paramref name="problem"/>) what is wrong with it, without
    /// repeating any of its secret text.</summary>
    public static ServiceAccountKey? TryParse(string? json, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(json))
        {
            problem = "The service-account JSON key is required.";
            return null;
        }
        JsonCredentialParameters? parameters;
        try
        {
            parameters = NewtonsoftJsonSerializer.Instance.Deserialize<JsonCredentialParameters>(json.Trim());
        }
        catch (Exception ex) when (ex is Newtonsoft.Json.JsonException or FormatException)
        {
            problem = "The service-account key is not valid JSON: upload the .json file Google Cloud created for the key.";
            return null;
        }
        if (parameters is null || parameters.Type != JsonCredentialParameters.ServiceAccountCredentialType)
            problem = $"The key must be a service-account key (\"type\": \"{JsonCredentialParameters.ServiceAccountCredentialType}\").";
        else if (string.IsNullOrWhiteSpace(parameters.ClientEmail) || string.IsNullOrWhiteSpace(parameters.PrivateKey))
            problem = "The service-account key must have \"client_email\" and \"private_key\".";
        else if (parameters.TokenUri is { } tokenUri && !IsAllowedTokenUri(tokenUri))
            problem = "The key's \"token_uri\" must be an https URL (http only on a loopback address).";
        if (problem is not null)
            return null;

        var key = new ServiceAccountKey(parameters!, json.Trim());
        try
        {
            // Reads the PEM the same way every mint will; a damaged key is refused now, not on a developer's request.
            _ = key.CreateCredential(SystemClock.Default);
        }
        catch (Exception)
        {
            // Google's PEM reader fails in many ways (format, ASN.1 tags, crypto); every one means the same to an admin.
            problem = "The key's \"private_key\" is not a readable PEM private key.";
            return null;
        }
        return key;
    }

    /// <summary>A credential that signs its assertion with this key and asks the key's token endpoint for a
    /// cloud-platform token, with <paramref name="clock"/> for the assertion's times.</summary>
    internal ServiceAccountCredential CreateCredential(IClock clock) =>
        new(new ServiceAccountCredential.Initializer(_parameters.ClientEmail, TokenUri)
        {
            ProjectId = _parameters.ProjectId,
            KeyId = _parameters.PrivateKeyId,
            Scopes = [CloudPlatformScope],
            Clock = clock,
        }.FromPrivateKey(_parameters.PrivateKey));

    public override string ToString() => $"service account {ClientEmail}";

    private static bool IsAllowedTokenUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && string.IsNullOrEmpty(uri.UserInfo) &&
        (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && (uri.IsLoopback || IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)));
}
