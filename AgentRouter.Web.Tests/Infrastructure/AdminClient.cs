using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRouter.Web.Tests.Infrastructure;

/// <summary>The admin REST API, as a test drives it.</summary>
public sealed class AdminClient(HttpClient http)
{
    private static int _counter;

    public HttpClient Http => http;

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? [] : JsonNode.Parse(text) is JsonObject obj ? obj : new JsonObject { ["items"] = JsonNode.Parse(text) };
    }

    public async Task<JsonArray> ListAsync(string path) => (await SendAsync(HttpMethod.Get, path))["items"]!.AsArray();

    public async Task<Guid> CreateProviderAsync(string kind, string baseUrl, string? apiKey, string? name = null) =>
        Id(await SendAsync(HttpMethod.Post, "/api/admin/providers", new { name = name ?? $"{kind}-{Next()}", kind, baseUrl, apiKey }, HttpStatusCode.Created));

    public Task PriceAsync(string model, decimal input = 3m, decimal output = 15m, decimal cacheWrite = 3.75m, decimal cacheRead = 0.30m) =>
        SendAsync(HttpMethod.Put, $"/api/admin/catalog/{model}", new { inputPerMTok = input, outputPerMTok = output, cacheWritePerMTok = cacheWrite, cacheReadPerMTok = cacheRead });

    public async Task<(Guid Id, string Slug)> CreateTeamAsync()
    {
        var slug = $"team-{Next()}";
        return (Id(await SendAsync(HttpMethod.Post, "/api/admin/teams", new { name = slug, slug }, HttpStatusCode.Created)), slug);
    }

    public Task PutProfileAsync(Guid teamId, params (string Name, Guid ProviderId, string Upstream)[] models) =>
        SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile",
            new { models = models.Select(m => new { name = m.Name, providerId = m.ProviderId, upstreamModel = m.Upstream }) });

    public async Task<Guid> CreateDeveloperAsync(Guid teamId)
    {
        var n = Next();
        return Id(await SendAsync(HttpMethod.Post, "/api/admin/developers", new { email = $"dev{n}@corp.example", name = $"Dev {n}", teamId }, HttpStatusCode.Created));
    }

    public async Task<(Guid Id, string Key)> CreateKeyAsync(Guid teamId, Guid? developerId, DateTimeOffset? expiresAt = null, string? serviceAgent = null)
    {
        var issued = await SendAsync(HttpMethod.Post, "/api/admin/keys", new { teamId, developerId, serviceAgent, name = "test key", expiresAt }, HttpStatusCode.Created);
        return (Id(issued), issued["key"]!.GetValue<string>());
    }

    public Task RevokeKeyAsync(Guid keyId) => SendAsync(HttpMethod.Delete, $"/api/admin/keys/{keyId}");

    public Task RotateAsync(Guid providerId, string apiKey) => SendAsync(HttpMethod.Put, $"/api/admin/providers/{providerId}/credential", new { apiKey });

    private static Guid Id(JsonObject obj) => obj["id"]!.GetValue<Guid>();

    private static int Next() => Interlocked.Increment(ref _counter);

    public static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
