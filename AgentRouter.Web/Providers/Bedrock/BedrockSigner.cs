using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Authenticates a request to Bedrock: a SigV4 signature computed by AWSSDK.Core's own signer over the final
/// URL and body, or the bearer header of a Bedrock API key.</summary>
public static class BedrockSigner
{
    /// <summary>The service name SigV4 scopes Bedrock's runtime and control-plane signatures to.</summary>
    public const string SigningService = "bedrock";

    private static readonly AWS4Signer Signer = new();
    private static readonly SigningConfig Config = new();

    /// <summary>Adds <c>x-amz-date</c>, <c>x-amz-content-sha256</c>, <c>x-amz-security-token</c> (when the
    /// credential has one) and <c>authorization</c> to a request whose URL is final. Only those headers and
    /// <c>host</c> are signed, so that what HTTP adds or forwards beside them cannot spoil the signature.</summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, BedrockCredential credential, string region, DateTimeOffset now)
    {
        if (credential.ApiKey is { } apiKey)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + apiKey);
            return;
        }
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URL to sign.");
        using var signed = new DefaultRequest(new SignedRequest(), SigningService)
        {
            HttpMethod = request.Method.Method,
            Endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority)),
            // SigV4's canonical URI for every service but S3 is the path escaped twice. This path is already escaped
            // once, as it travels (a model id's ':' as %3A, an ARN's '/' as %2F), so the SDK escapes it once more.
            ResourcePath = uri.AbsolutePath,
            UseDoubleEncoding = false,
            Content = body.ToArray(),
            OverrideSigningServiceName = SigningService,
            AuthenticationRegion = region,
        };
        foreach (var (name, value) in QueryParameters(uri))
            signed.Parameters[name] = value;
        if (credential.SessionToken is { } token)
            signed.Headers["x-amz-security-token"] = token;

        var result = Signer.SignRequest(signed, Config, metrics: null, credential.AccessKeyId, credential.SecretAccessKey, now.UtcDateTime);
        foreach (var (name, value) in signed.Headers)
        {
            if (!name.Equals("host", StringComparison.OrdinalIgnoreCase))
                request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.TryAddWithoutValidation("authorization", result.ForAuthorizationHeader);
    }

    private static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
            yield break;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            yield return equals < 0
                ? (Uri.UnescapeDataString(pair), "")
                : (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        }
    }

    /// <summary>The SDK signs an SDK request; this one only carries what is set on it.</summary>
    private sealed class SignedRequest : AmazonWebServiceRequest;

    /// <summary>The signer reads the service name and region from the request (set above); the rest of a client
    /// configuration is never consulted, and resolving endpoints is not the signer's business.</summary>
    private sealed class SigningConfig() : ClientConfig(new NoDefaults())
    {
        public override string ServiceVersion => "2023-09-30";
        public override string UserAgent => "agent-router";
        public override string RegionEndpointServiceName => "bedrock-runtime";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) =>
            throw new NotSupportedException("Agent Router builds Bedrock URLs itself.");
    }

    private sealed class NoDefaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(Amazon.RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration();
    }
}
