using AgentRouter.Web.Gateway;
namespace AgentRouter.Web.Providers;

/// <summary>Sends an adapter's connection-test request and says what came back.</summary>
public static class ConnectionTest
{
    public static async Task<ConnectionResult> SendAsync(UpstreamAccount account, HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var _ = request;
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? new(true, $"Connected: {account.Name} answered {(int)response.StatusCode}.")
                : new(false, $"{account.Name} answered {(int)response.StatusCode} {response.ReasonPhrase}: check the base URL and the credential.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new(false, $"{account.Name} could not be reached: {ex.Message}");
        }
    }
}
