using System.Net;
using System.Net.Http.Headers;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>One Vertex AI account as the gateway uses it: where its requests go (the location's host, or the account's
/// base URL override) and its token source. Built when the policy snapshot loads; the token source outlives snapshots
/// (<see cref="VertexTokens"/>) so the cached token is reused until the key changes.</summary>
public sealed class VertexAccount(string host, VertexSettings settings, VertexTokenSource tokens)
{
    public string Host { get; } = host.TrimEnd('/');
    public VertexSettings Settings { get; } = settings;
    public VertexTokenSource Tokens { get; } = tokens;

    /// <summary>Puts the account's current access token on the request.</summary>
    /// <exception cref="VertexTokenException">No token could be had; the message names the account.</exception>
    public async ValueTask AuthenticateAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Tokens.GetTokenAsync(cancellationToken));

    /// <summary>Proves the key, the project and the location: mints a token (the token endpoint accepts the key) and
    /// lists one endpoint of the project's location (Vertex AI accepts the token for that project), which costs nothing.</summary>
    public async Task<(bool Ok, string Message)> TestConnectionAsync(HttpMessageInvoker http, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, VertexRequests.LocationRoot(Host, Settings) + "/endpoints?pageSize=1");
        try
        {
            await AuthenticateAsync(request, cancellationToken);
        }
        catch (VertexTokenException ex)
        {
            return (false, ex.Message);
        }
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => (true, $"Connected: {Tokens.AccountName} got a token and Vertex AI answered for project {Settings.ProjectId} in {Settings.Location}."),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => (false,
                    $"{Tokens.AccountName} got a token, but Vertex AI answered {(int)response.StatusCode} for project {Settings.ProjectId}: grant the service account the Vertex AI User role there and enable the Vertex AI API."),
                HttpStatusCode.NotFound => (false, $"{Tokens.AccountName} got a token, but Vertex AI does not know project {Settings.ProjectId} in {Settings.Location}: check both."),
                _ => (false, $"{Tokens.AccountName} got a token, but Vertex AI answered {(int)response.StatusCode} {response.ReasonPhrase}."),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (false, $"{Tokens.AccountName} got a token, but {Host} could not be reached: {ex.Message}");
        }
    }
}
