using System.Text;
using AgentRouter.Web.Providers.Bedrock;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>The fake's signature check is itself tested: it accepts what the SDK signer signs and refuses the rest.</summary>
public sealed class BedrockFakeTests : IAsyncLifetime
{
    private FakeBedrock _fake = null!;
    private readonly HttpClient _http = new();

    public async ValueTask InitializeAsync() => _fake = await FakeBedrock.StartAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Fake_AcceptsASignedInvoke_AndRefusesATamperedBody()
    {
        var body = Encoding.UTF8.GetBytes("{\"max_tokens\":10,\"messages\":[],\"anthropic_version\":\"bedrock-2023-05-31\"}");
        var credential = new BedrockCredential(FakeBedrock.AccessKeyId, _fake.SecretAccessKey, null, null);

        using var signed = Request(body, credential);
        using var ok = await _http.SendAsync(signed);
        Assert.Equal(200, (int)ok.StatusCode);
        Assert.Null(_fake.LastAuthProblem);
        Assert.Equal("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke", _fake.LastRequest.Path);

        using var tampered = Request(body, credential);
        tampered.Content = new ByteArrayContent([.. body, (byte)' ']);
        using var refused = await _http.SendAsync(tampered);
        Assert.Equal(403, (int)refused.StatusCode);
        Assert.StartsWith("InvalidSignatureException", refused.Headers.GetValues("x-amzn-ErrorType").Single());

        using var wrongSecret = Request(body, credential with { SecretAccessKey = "not-the-secret" });
        using var refusedAgain = await _http.SendAsync(wrongSecret);
        Assert.Equal(403, (int)refusedAgain.StatusCode);
        Assert.Equal("signature mismatch", _fake.LastAuthProblem);
    }

    [Fact]
    public async Task ConnectionTest_SignsListFoundationModels_AndReportsARefusedCredential()
    {
        var settings = new BedrockSettings(FakeBedrock.Region);
        var good = new BedrockCredential(FakeBedrock.AccessKeyId, _fake.SecretAccessKey, null, null);

        var (ok, message) = await BedrockConnectionTest.RunAsync(_http, "bedrock-eu", _fake.Origin, settings, good, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.True(ok, message);
        Assert.Equal("GET", _fake.LastRequest.Method);
        Assert.Equal("/foundation-models", _fake.LastRequest.Path);

        var (refused, why) = await BedrockConnectionTest.RunAsync(_http, "bedrock-eu", _fake.Origin, settings, good with { SecretAccessKey = "wrong" }, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.False(refused);
        Assert.Contains("refused bedrock-eu's credential (403 InvalidSignatureException)", why);
    }

    private HttpRequestMessage Request(byte[] body, BedrockCredential credential)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, BedrockRequests.InvokeUrl(_fake.Origin, "us.anthropic.claude-sonnet-4-5-20250929-v1:0", stream: false))
        {
            Content = new ByteArrayContent(body),
        };
        BedrockSigner.Sign(request, body, credential, FakeBedrock.Region, DateTimeOffset.UtcNow);
        return request;
    }
}
