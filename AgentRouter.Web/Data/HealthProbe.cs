namespace AgentRouter.Web.Data;

/// <summary><c>AgentRouter.Web healthcheck [url]</c>: asks a running instance's <c>/healthz</c> and exits 0 or 1,
/// so the container image needs no curl.</summary>
public static class HealthProbe
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : $"http://localhost:{Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")?.Split(';')[0] ?? "8080"}/healthz";
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var response = await client.GetAsync(url);
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
