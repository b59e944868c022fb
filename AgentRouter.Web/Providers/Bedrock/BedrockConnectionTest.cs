using System.Net;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>Proves a Bedrock account's region and credential: a signed (or bearer) ListFoundationModels call, which
/// costs nothing and names no model. It goes to the region's control-plane host, or, when the account overrides its
/// base URL (a private endpoint, a test fake), below that URL.</summary>
public static class BedrockConnectionTest
{
    /// <param name="baseUrlOverride">The account's own base URL; null for AWS's regional hosts.</param>
    public static async Task<(bool Ok, string Message)> RunAsync(HttpClient http, string accountName, string? baseUrlOverride, BedrockSettings settings,
        BedrockCredential credential, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var host = baseUrlOverride?.TrimEnd('/') ?? BedrockRequests.ControlBaseUrl(settings.Region);
        using var request = new HttpRequestMessage(HttpMethod.Get, host + "/foundation-models");
        BedrockSigner.Sign(request, [], credential, settings.Region, now);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
                return (true, $"Connected: {accountName} answered {(int)response.StatusCode} from Amazon Bedrock in {settings.Region}.");
            var errorType = response.Headers.TryGetValues(BedrockErrors.ErrorTypeHeader, out var values) ? values.First().Split(':')[0] : null;
            return (false, response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                ? $"Amazon Bedrock refused {accountName}'s credential ({(int)response.StatusCode} {errorType}): check the access key, its secret and its IAM permissions (bedrock:ListFoundationModels, bedrock:InvokeModel*), or the API key."
                : $"{accountName} answered {(int)response.StatusCode} {errorType ?? response.ReasonPhrase}: check the region and the base URL.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (false, $"{accountName} could not be reached: {ex.Message}");
        }
    }
}
