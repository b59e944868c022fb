using System.Net;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Gateway;

/// <summary>Behaviour every dialect shares: admin changes take effect on the very next request, with no restart,
/// and streams are never held back.</summary>
public sealed class CrossDialectTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    public static TheoryData<string> Kinds => ["anthropic", "openai", "gemini"];

    private static HttpRequestMessage Call(string kind, string key, string model, bool stream = false) => kind switch
    {
        "anthropic" => Requests.Anthropic(key, Requests.Message(model, stream)),
        "openai" => Requests.OpenAI(key, Requests.Chat(model, stream)),
        _ => Requests.Gemini(key, model, stream ? "streamGenerateContent" : "generateContent", Requests.Contents(), query: stream ? "?alt=sse" : ""),
    };

    private static string CredentialSeenBy(Scenario s, string kind) => kind switch
    {
        "anthropic" => s.Fake.LastRequest.Headers["x-api-key"],
        "openai" => s.Fake.LastRequest.Headers["authorization"]["Bearer ".Length..],
        _ => s.Fake.LastRequest.Headers["x-goog-api-key"],
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RevokedKey_IsRefusedOnTheNextRequest(string kind)
    {
        var s = await fixture.ScenarioAsync(kind, "model-a", $"{kind}-upstream-a");
        using var before = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName));
        await s.Admin.RevokeKeyAsync(s.KeyId);
        using var after = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ProfileEdit_AppliesOnTheNextRequest_ToEveryKeyOfTheTeam(string kind)
    {
        var s = await fixture.ScenarioAsync(kind, "model-b", $"{kind}-upstream-b");
        var (_, secondKey) = await s.Admin.CreateKeyAsync(s.TeamId, await s.Admin.CreateDeveloperAsync(s.TeamId));
        await s.Admin.PriceAsync($"{kind}-upstream-b-v2");

        await s.Admin.PutProfileAsync(s.TeamId, ("model-b", s.ProviderId, $"{kind}-upstream-b-v2"));
        using var repinned = await s.Client.SendAsync(Call(kind, secondKey, "model-b"));
        var upstreamSaw = s.Fake.LastRequest;
        await s.Admin.PutProfileAsync(s.TeamId);
        using var removed = await s.Client.SendAsync(Call(kind, s.Key, "model-b"));

        Assert.Equal(HttpStatusCode.OK, repinned.StatusCode);
        Assert.Contains($"{kind}-upstream-b-v2", upstreamSaw.Path + upstreamSaw.Body);
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RotatedCredential_IsUsedOnTheNextRequest(string kind)
    {
        var s = await fixture.ScenarioAsync(kind, "model-c", $"{kind}-upstream-c");
        using var before = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName));
        var oldCredential = CredentialSeenBy(s, kind);
        await s.Admin.RotateAsync(s.ProviderId, "sk-rotated-credential-9876");
        using var after = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName));

        Assert.Equal(s.ProviderKey, oldCredential);
        Assert.Equal("sk-rotated-credential-9876", CredentialSeenBy(s, kind));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task FirstEvent_ReachesTheClient_BeforeTheUpstreamHasFinished(string kind)
    {
        var s = await fixture.ScenarioAsync(kind, "model-d", $"{kind}-upstream-d");
        var release = new TaskCompletionSource();
        s.Fake.HoldAfterFirstEvent = release.Task;
        try
        {
            using var response = await s.Client.SendAsync(Call(kind, s.Key, s.PublicName, stream: true), HttpCompletionOption.ResponseHeadersRead);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

            var first = await Requests.ReadEventAsync(reader).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith(kind == "anthropic" ? "event: message_start" : "data: {", first);
            Assert.False(release.Task.IsCompleted);

            release.SetResult();
            Assert.NotEmpty(await reader.ReadToEndAsync());
        }
        finally
        {
            release.TrySetResult();
        }
    }
}
