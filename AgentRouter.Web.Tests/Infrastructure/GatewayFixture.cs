using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Tests.Fakes;

namespace AgentRouter.Web.Tests.Infrastructure;

/// <summary>One router and one loopback fake per provider, shared by a test class.</summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public RouterFactory Router { get; } = new();
    public FakeProvider Anthropic { get; private set; } = null!;
    public FakeProvider OpenAI { get; private set; } = null!;
    public FakeProvider Gemini { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Anthropic = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        OpenAI = await FakeProvider.StartAsync(FakeDialect.OpenAI);
        Gemini = await FakeProvider.StartAsync(FakeDialect.Gemini);
        Router.EnsureStarted();
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await Anthropic.DisposeAsync();
        await OpenAI.DisposeAsync();
        await Gemini.DisposeAsync();
    }

    public FakeProvider Fake(string kind) => kind switch { "anthropic" => Anthropic, "openai" => OpenAI, _ => Gemini };

    /// <summary>A provider account on the fake, a priced catalog model, and a team approving it under a public name,
    /// with a developer and a key.</summary>
    public async Task<Scenario> ScenarioAsync(string kind, string publicName, string upstreamModel)
    {
        var admin = Router.Admin();
        var providerKey = $"sk-{kind}-org-{Guid.NewGuid():N}";
        var providerId = await admin.CreateProviderAsync(kind, Fake(kind).BaseUrl, providerKey);
        await admin.PriceAsync(upstreamModel);
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, (publicName, providerId, upstreamModel));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (keyId, key) = await admin.CreateKeyAsync(teamId, developerId);
        Fake(kind).Failure = null;
        Fake(kind).Respond = null;
        Fake(kind).HoldAfterFirstEvent = null;
        Fake(kind).BreakMidStream = false;
        return new Scenario(admin, Router.Gateway(), Fake(kind), providerId, providerKey, teamId, slug, developerId, keyId, key, publicName, upstreamModel);
    }
}

public sealed record Scenario(
    AdminClient Admin, HttpClient Client, FakeProvider Fake, Guid ProviderId, string ProviderKey, Guid TeamId, string Slug,
    Guid DeveloperId, Guid KeyId, string Key, string PublicName, string UpstreamModel);

/// <summary>Builds requests the way each provider's SDK sends them.</summary>
public static class Requests
{
    public static HttpRequestMessage Anthropic(string key, object body, string keyHeader = "x-api-key", string path = "/v1/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        AddKey(request, key, keyHeader);
        return request;
    }

    public static HttpRequestMessage OpenAI(string key, object body, string keyHeader = "authorization") =>
        WithKey(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Json(body) }, key, keyHeader);

    public static HttpRequestMessage Gemini(string key, string model, string method, object body, string keyHeader = "x-goog-api-key", string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{model}:{method}{query}") { Content = Json(body) };
        if (keyHeader == "query")
            request.RequestUri = new Uri($"/v1beta/models/{model}:{method}?key={key}{(query.Length > 0 ? "&" + query.TrimStart('?') : "")}", UriKind.Relative);
        else
            AddKey(request, key, keyHeader);
        return request;
    }

    public static object Message(string model, bool stream = false, string text = "Hello") =>
        new { model, max_tokens = 256, stream, messages = new[] { new { role = "user", content = text } } };

    public static object Chat(string model, bool stream = false, bool? includeUsage = null) => includeUsage is null
        ? new { model, stream, messages = new[] { new { role = "user", content = "Hello" } } }
        : new { model, stream, stream_options = new { include_usage = includeUsage }, messages = new[] { new { role = "user", content = "Hello" } } };

    public static object Contents(string text = "Hello") => new { contents = new[] { new { role = "user", parts = new[] { new { text } } } } };

    public static StringContent Json(object body) => body is string raw
        ? new StringContent(raw, Encoding.UTF8, "application/json")
        : new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key, string header)
    {
        AddKey(request, key, header);
        return request;
    }

    private static void AddKey(HttpRequestMessage request, string key, string header)
    {
        if (header == "authorization")
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        else
            request.Headers.TryAddWithoutValidation(header, key);
    }

    /// <summary>Reads SSE events as they arrive, without waiting for the end of the stream.</summary>
    public static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var builder = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0 && builder.Length > 0)
                break;
            if (line.Length > 0)
                builder.AppendLine(line);
        }
        return builder.ToString();
    }
}
