using System.Net.Http.Json;
using System.Text.Json;
using AgentRouter.Web.Providers.VertexAI;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>Minting and caching Vertex AI access tokens from a service-account key, against a fake token endpoint that
/// verifies the signed assertion, on a fake clock.</summary>
public sealed class VertexTokenSourceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 9, 0, 0, TimeSpan.Zero));
    private FakeGoogleCloud _google = null!;
    private TestServiceAccount _account = null!;
    private readonly VertexAccountHealth _health = new();
    private readonly Guid _accountId = Guid.NewGuid();

    public async ValueTask InitializeAsync()
    {
        _google = await FakeGoogleCloud.StartAsync(_clock);
        _account = new TestServiceAccount(_google.TokenUri);
        _google.Register(_account);
    }

    public async ValueTask DisposeAsync()
    {
        _account.Dispose();
        await _google.DisposeAsync();
    }

    private VertexTokenSource Source(TestServiceAccount? account = null) =>
        new(_accountId, "Vertex prod", Key(account ?? _account), _clock, _health);

    private static ServiceAccountKey Key(TestServiceAccount account) =>
        ServiceAccountKey.TryParse(account.Json, out var problem) ?? throw new InvalidOperationException(problem);

    [Fact]
    public async Task FirstRequest_MintsWithTheKeysSignedAssertion_ThenTheTokenIsReused()
    {
        var source = Source();

        var first = await source.GetTokenAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(50));
        var later = await source.GetTokenAsync(CancellationToken.None);

        // The fake endpoint grants only to an RS256 assertion from this key, for Google's audience and the cloud-platform scope.
        Assert.Contains(first, _google.IssuedTokens);
        Assert.Equal(first, later);
        Assert.Equal(1, _google.TokenRequests);
        Assert.Null(_health.LastError(_accountId));
    }

    [Fact]
    public async Task NearExpiry_TheOldTokenServesWhileOneRefreshRunsAhead()
    {
        var source = Source();
        var first = await source.GetTokenAsync(CancellationToken.None);
        var release = new TaskCompletionSource();
        _google.HoldTokens = release.Task;

        // Four minutes left (inside the five-minute refresh window, above the one-minute floor).
        _clock.Advance(TimeSpan.FromSeconds(_google.TokenLifetimeSeconds) - TimeSpan.FromMinutes(4));
        var during = await source.GetTokenAsync(CancellationToken.None);
        await _google.WaitForTokenRequestAsync(); // the first mint's arrival
        await _google.WaitForTokenRequestAsync(); // the refresh
        var stillDuring = await source.GetTokenAsync(CancellationToken.None);
        release.SetResult();
        var refreshed = await Eventually(() => source.GetTokenAsync(CancellationToken.None).AsTask(), token => token != first);

        Assert.Equal(first, during);
        Assert.Equal(first, stillDuring);
        Assert.NotEqual(first, refreshed);
        Assert.Equal(2, _google.TokenRequests);
    }

    [Fact]
    public async Task PastTheFloor_ACallerWaitsForAFreshToken()
    {
        var source = Source();
        var first = await source.GetTokenAsync(CancellationToken.None);

        _clock.Advance(TimeSpan.FromSeconds(_google.TokenLifetimeSeconds) - TimeSpan.FromSeconds(30));
        var second = await source.GetTokenAsync(CancellationToken.None);

        Assert.NotEqual(first, second);
        Assert.Contains(second, _google.IssuedTokens);
        Assert.Equal(2, _google.TokenRequests);
    }

    [Fact]
    public async Task FiftyParallelRequests_ShareOneMint()
    {
        var source = Source();
        var release = new TaskCompletionSource();
        _google.HoldTokens = release.Task;

        var asked = 0;
        var callers = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            var pending = source.GetTokenAsync(CancellationToken.None);
            Interlocked.Increment(ref asked);
            return await pending;
        })).ToArray();
        await _google.WaitForTokenRequestAsync();
        // Every caller has asked, while the one mint is held at the token endpoint.
        await Eventually(() => Task.FromResult(Volatile.Read(ref asked)), n => n == 50);
        release.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.Single(tokens.Distinct());
        Assert.Equal(1, _google.TokenRequests);
        Assert.Equal(1, source.Mints);
    }

    [Fact]
    public async Task RevokedKey_IsReportedNamingTheAccount_AndNotRetriedAtOnce()
    {
        var source = Source();
        _google.Revoke(_account);

        var refused = await Assert.ThrowsAsync<VertexTokenException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());
        var again = await Assert.ThrowsAsync<VertexTokenException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Contains("'Vertex prod'", refused.Message);
        Assert.Contains("invalid_grant", refused.Message);
        Assert.DoesNotContain("PRIVATE KEY", refused.Message);
        Assert.Same(refused, again);
        Assert.Equal(1, _google.TokenRequests);
        Assert.Equal(refused.Message, _health.LastError(_accountId)?.Message);

        // After the pause the key is tried again; once Google accepts it, the provider page's error clears.
        _google.Register(_account);
        _clock.Advance(VertexTokenSource.RetryAfterRefusal);
        var token = await source.GetTokenAsync(CancellationToken.None);

        Assert.Contains(token, _google.IssuedTokens);
        Assert.Equal(2, _google.TokenRequests);
        Assert.Null(_health.LastError(_accountId));
    }

    [Fact]
    public async Task RefusedRefresh_KeepsServingTheValidToken_WithoutAskingOnEveryRequest()
    {
        var source = Source();
        var first = await source.GetTokenAsync(CancellationToken.None);
        _google.Revoke(_account);
        _clock.Advance(TimeSpan.FromSeconds(_google.TokenLifetimeSeconds) - TimeSpan.FromMinutes(4));

        Assert.Equal(first, await source.GetTokenAsync(CancellationToken.None));
        await Eventually(() => Task.FromResult(_health.LastError(_accountId)), failure => failure is not null);
        for (var i = 0; i < 20; i++)
            Assert.Equal(first, await source.GetTokenAsync(CancellationToken.None));
        var asked = _google.TokenRequests;
        // Once less than a minute is left, the refusal is what callers get.
        _clock.Advance(TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<VertexTokenException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Equal(2, asked);
        Assert.Equal(3, _google.TokenRequests);
    }

    [Theory]
    [InlineData(400, "invalid_scope", "Invalid OAuth scope or ID token audience provided.")]
    [InlineData(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method.")]
    [InlineData(400, "invalid_grant", "Invalid grant: account not found")]
    public async Task RefusedKey_SaysWhatTheTokenEndpointSaid(int status, string error, string description)
    {
        _google.Refusal = (status, error, description);

        var refused = await Assert.ThrowsAsync<VertexTokenException>(() => Source().GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Equal("Vertex prod", refused.AccountName);
        Assert.Contains($"{error}: {description}", refused.Message);
        Assert.NotNull(_health.LastError(_accountId));
    }

    [Fact]
    public async Task FakeTokenEndpoint_RefusesAnAssertionSignedByAnotherKey()
    {
        // The fake's signature check can fail: an assertion for a registered issuer signed with a different key.
        using var impostor = new TestServiceAccount(_google.TokenUri, _account.Email);
        var refused = await Assert.ThrowsAsync<VertexTokenException>(() => Source(impostor).GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Contains("Invalid JWT Signature", refused.Message);
        Assert.Empty(_google.IssuedTokens);
    }

    [Fact]
    public async Task FakeTokenEndpoint_RefusesAnotherScopeOrAudience()
    {
        using var http = new HttpClient();
        var header = Base64Url(new { alg = "RS256", typ = "JWT" });
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        foreach (var (scope, audience) in new[] { ("https://www.googleapis.com/auth/devstorage.read_only", FakeGoogleCloud.Audience), (FakeGoogleCloud.CloudPlatformScope, _google.TokenUri) })
        {
            var payload = Base64Url(new { iss = _account.Email, scope, aud = audience, iat = now, exp = now + 3600 });
            var signature = Convert.ToBase64String(_account.Rsa.SignData(System.Text.Encoding.ASCII.GetBytes(header + "." + payload),
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            using var response = await http.PostAsync(_google.TokenUri, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = FakeGoogleCloud.JwtBearerGrant, ["assertion"] = $"{header}.{payload}.{signature}",
            }));
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(400, (int)response.StatusCode);
            Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        }
        Assert.Empty(_google.IssuedTokens);
    }

    [Fact]
    public async Task RotatedKey_GetsAFreshSource_AndAnUnchangedOneKeepsItsCache()
    {
        var tokens = new VertexTokens(_clock, _health);
        var source = tokens.For(_accountId, "Vertex prod", Key(_account));
        var first = await source.GetTokenAsync(CancellationToken.None);
        using var rotated = new TestServiceAccount(_google.TokenUri);
        _google.Register(rotated);

        var unchanged = tokens.For(_accountId, "Vertex prod", Key(_account));
        var replaced = tokens.For(_accountId, "Vertex prod", Key(rotated));
        var next = await replaced.GetTokenAsync(CancellationToken.None);

        Assert.Same(source, unchanged);
        Assert.NotSame(source, replaced);
        Assert.NotEqual(first, next);
        Assert.Equal(2, _google.TokenRequests);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("{not json", "not valid JSON")]
    [InlineData("{\"type\":\"authorized_user\",\"client_id\":\"x\",\"client_secret\":\"y\",\"refresh_token\":\"z\"}", "service-account key")]
    [InlineData("{\"type\":\"service_account\",\"client_email\":\"a@b.iam.gserviceaccount.com\"}", "\"private_key\"")]
    [InlineData("{\"type\":\"service_account\",\"client_email\":\"a@b.iam.gserviceaccount.com\",\"private_key\":\"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\"}", "not a readable PEM")]
    [InlineData("{\"type\":\"service_account\",\"client_email\":\"a@b.iam.gserviceaccount.com\",\"private_key\":\"x\",\"token_uri\":\"http://tokens.example.com/token\"}", "https")]
    public void BadKey_IsRefusedWithAReason(string json, string reason)
    {
        Assert.Null(ServiceAccountKey.TryParse(json, out var problem));
        Assert.Contains(reason, problem);
    }

    [Fact]
    public void Key_IsReadWithItsOwnTokenUri_AndShowsOnlyTheEndOfItsKeyId()
    {
        var key = Key(_account);

        Assert.Equal(_google.TokenUri, key.TokenUri);
        Assert.Equal(_account.Email, key.ClientEmail);
        Assert.Equal("…" + _account.KeyId[^4..], key.Hint);
        Assert.DoesNotContain("PRIVATE", key.ToString());
    }

    private static string Base64Url(object value) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Bounded polling of a condition that another thread makes true.</summary>
    private static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var value = await read();
            if (done(value))
                return value;
            await Task.Delay(10);
        }
        throw new TimeoutException("The condition did not become true within 5 seconds.");
    }
}
