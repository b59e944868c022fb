using System.Globalization;
using System.Net;
using System.Text;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.RateLimits;

/// <summary>Rate limits on the hot path: each refuses at exactly its configured edge, in the caller's dialect, with
/// that dialect's rate-limit headers, on the application's fake clock.</summary>
public sealed class RateLimitGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static Task SetLimitsAsync(Scenario s, params object[] limits) =>
        s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { limits });

    /// <summary>Moves the clock to one second past the start of the next minute, so a test's requests share a window
    /// that resets 59 seconds later.</summary>
    private DateTimeOffset StartOfAMinute()
    {
        var clock = fixture.Router.Clock;
        var now = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromTicks(TimeSpan.TicksPerMinute - now.UtcTicks % TimeSpan.TicksPerMinute) + TimeSpan.FromSeconds(1));
        return clock.GetUtcNow();
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : $"<no {name}>";

    [Fact]
    public async Task RequestsPerMinute_AdmitsExactlyTheLimit_ThenAnthropic429WithItsHeaders_UntilTheMinuteTurns()
    {
        var s = await fixture.ScenarioAsync("anthropic", "rpm", "anthropic-rpm");
        await SetLimitsAsync(s, new { scope = "key", requestsPerMinute = 3 });
        var now = StartOfAMinute();
        var reset = new DateTimeOffset(now.UtcTicks - now.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        for (var i = 1; i <= 3; i++)
        {
            using var admitted = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            Assert.Equal("3", Header(admitted, "anthropic-ratelimit-requests-limit"));
            Assert.Equal((3 - i).ToString(CultureInfo.InvariantCulture), Header(admitted, "anthropic-ratelimit-requests-remaining"));
            Assert.Equal(reset, Header(admitted, "anthropic-ratelimit-requests-reset"));
        }
        using var refused = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var error = AdminClient.Json(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("rate_limit_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("3 requests per minute", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("59", refused.Headers.RetryAfter!.ToString());
        Assert.Equal("0", Header(refused, "anthropic-ratelimit-requests-remaining"));
        Assert.Equal(reset, Header(refused, "anthropic-ratelimit-requests-reset"));
        Assert.Equal("rate_limited", (await fixture.Router.Usage.For(refused)).Error);
        Assert.Equal(3, s.Fake.Requests.Count(r => r.Body.Contains("anthropic-rpm")));

        // One second before the reset it is still refused; at the reset the next minute starts empty.
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(58));
        using (var stillRefused = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName))))
            Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.StatusCode);
        fixture.Router.Clock.Advance(TimeSpan.FromSeconds(1));
        using var next = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("2", Header(next, "anthropic-ratelimit-requests-remaining"));
        Assert.Equal(4, s.Fake.Requests.Count(r => r.Body.Contains("anthropic-rpm")));
    }

    /// <summary>An OpenAI request whose reserved estimate (body bytes / 4 + max_tokens) is exactly <paramref name="estimate"/>.</summary>
    private static HttpRequestMessage ChatEstimating(string key, string model, long estimate)
    {
        for (var pad = 0; pad < 8; pad++)
        {
            for (var maxTokens = estimate; maxTokens > estimate - 400; maxTokens--)
            {
                var body = $"{{\"model\":\"{model}\",\"max_tokens\":{maxTokens},\"messages\":[{{\"role\":\"user\",\"content\":\"hi{new string('.', pad)}\"}}]}}";
                if (Encoding.UTF8.GetByteCount(body) / 4 + maxTokens == estimate)
                    return Requests.OpenAI(key, body);
            }
        }
        throw new InvalidOperationException($"No body estimates {estimate} tokens.");
    }

    [Fact]
    public async Task TokensPerMinute_AdmitsAnEstimateThatFitsExactly_RefusesOneTokenMore_WithOpenAIHeaders()
    {
        var s = await fixture.ScenarioAsync("openai", "tpm", "openai-tpm");
        await SetLimitsAsync(s, new { scope = "team", tokensPerMinute = 1000 });
        StartOfAMinute();
        // The fake reports 12 input + 7 output tokens: each answer settles its reservation to 19.

        using var first = await s.Client.SendAsync(ChatEstimating(s.Key, s.PublicName, 500));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("1000", Header(first, "x-ratelimit-limit-tokens"));
        Assert.Equal("500", Header(first, "x-ratelimit-remaining-tokens"));
        Assert.Equal("59s", Header(first, "x-ratelimit-reset-tokens"));
        await fixture.Router.Usage.For(first);

        using var exact = await s.Client.SendAsync(ChatEstimating(s.Key, s.PublicName, 1000 - 19));
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);
        Assert.Equal("0", Header(exact, "x-ratelimit-remaining-tokens"));
        await fixture.Router.Usage.For(exact);

        using var over = await s.Client.SendAsync(ChatEstimating(s.Key, s.PublicName, 1000 - 38 + 1));
        var error = AdminClient.Json(await over.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
        Assert.Equal("rate_limit_exceeded", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("59", over.Headers.RetryAfter!.ToString());
        Assert.Equal("962", Header(over, "x-ratelimit-remaining-tokens"));
        Assert.Equal("59s", Header(over, "x-ratelimit-reset-tokens"));

        using var fits = await s.Client.SendAsync(ChatEstimating(s.Key, s.PublicName, 1000 - 38));
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal("0", Header(fits, "x-ratelimit-remaining-tokens"));
        Assert.Equal(3, s.Fake.Requests.Count(r => r.Body.Contains("openai-tpm")));
    }

    [Fact]
    public async Task ConcurrentRequests_AdmitsTheLimitInFlight_RefusesTheNext_AndFreesASlotWhenOneEnds()
    {
        var s = await fixture.ScenarioAsync("openai", "concurrent", "openai-concurrent");
        await SetLimitsAsync(s, new { scope = "developer", concurrent = 2 });
        StartOfAMinute();
        var release = new TaskCompletionSource();
        s.Fake.HoldAfterFirstEvent = release.Task;
        try
        {
            HttpRequestMessage Stream() => Requests.OpenAI(s.Key, Requests.Chat(s.PublicName, stream: true));
            using var one = await s.Client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead);
            using var two = await s.Client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead);
            using var three = await s.Client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead);
            var error = AdminClient.Json(await three.Content.ReadAsStringAsync());

            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
            Assert.Equal(HttpStatusCode.OK, two.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, three.StatusCode);
            Assert.Equal("rate_limit_exceeded", error.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("2 concurrent requests", error.GetProperty("error").GetProperty("message").GetString());
            Assert.Equal("1", three.Headers.RetryAfter!.ToString());

            release.SetResult();
            await one.Content.ReadAsStringAsync();
            await fixture.Router.Usage.For(one);
            using var four = await s.Client.SendAsync(Stream(), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, four.StatusCode);
            await two.Content.ReadAsStringAsync();
            await four.Content.ReadAsStringAsync();
        }
        finally
        {
            release.TrySetResult();
            s.Fake.HoldAfterFirstEvent = null;
        }
        Assert.Equal(3, s.Fake.Requests.Count(r => r.Body.Contains("openai-concurrent")));
    }

    [Fact]
    public async Task Gemini_Refusal_IsResourceExhaustedWithRetryAfter()
    {
        var s = await fixture.ScenarioAsync("gemini", "gemini-rpm", "gemini-rpm");
        await SetLimitsAsync(s, new { scope = "team", requestsPerMinute = 1 });
        StartOfAMinute();

        using var admitted = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", Requests.Contents()));
        using var refused = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", Requests.Contents()));
        var error = AdminClient.Json(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("RESOURCE_EXHAUSTED", error.GetProperty("error").GetProperty("status").GetString());
        Assert.Equal("59", refused.Headers.RetryAfter!.ToString());
    }

    [Fact]
    public async Task KeyLimits_CountEachKeyOnItsOwn_TeamLimitsCountThemTogether()
    {
        var s = await fixture.ScenarioAsync("anthropic", "scopes", "anthropic-scopes");
        var (_, otherKey) = await s.Admin.CreateKeyAsync(s.TeamId, s.DeveloperId);
        await SetLimitsAsync(s, new { scope = "key", requestsPerMinute = 1 }, new { scope = "team", requestsPerMinute = 3 });
        StartOfAMinute();

        using var a = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        using var b = await s.Client.SendAsync(Requests.Anthropic(otherKey, Requests.Message(s.PublicName)));
        using var aAgain = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));

        Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, aAgain.StatusCode);
        // The tightest limit is reported: after b the key has 0 left, the team 1.
        Assert.Equal("0", Header(b, "anthropic-ratelimit-requests-remaining"));
        Assert.Equal("1", Header(b, "anthropic-ratelimit-requests-limit"));
    }

    [Fact]
    public async Task LimitsSection_RoundTrips_IsValidated_AndIsAudited()
    {
        var s = await fixture.ScenarioAsync("anthropic", "limits-doc", "anthropic-limits-doc");
        var problem = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { limits = new object[] { new { scope = "org", requestsPerMinute = 5 }, new { scope = "team" }, new { scope = "key", tokensPerMinute = -1 } } },
            HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("limits[0].scope"));
        Assert.True(errors.ContainsKey("limits[1].requestsPerMinute"));
        Assert.True(errors.ContainsKey("limits[2].tokensPerMinute"));

        await SetLimitsAsync(s, new { scope = "team", requestsPerMinute = 600, tokensPerMinute = 2_000_000 }, new { scope = "key", concurrent = 4 });
        var document = await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/profile");
        var limits = document["limits"]!.AsArray();

        Assert.Equal("key", limits[0]!["scope"]!.GetValue<string>());
        Assert.Equal(4, limits[0]!["concurrent"]!.GetValue<int>());
        Assert.Equal(600, limits[1]!["requestsPerMinute"]!.GetValue<int>());
        Assert.Equal(2_000_000, limits[1]!["tokensPerMinute"]!.GetValue<long>());
        // Omitting the section leaves it alone.
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { billing = new { mode = "central" } });
        Assert.Equal(2, (await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/profile"))["limits"]!.AsArray().Count);

        var audit = await s.Admin.ListAsync($"/api/admin/audit?entityId={s.TeamId}");
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "profile.updated" && e["after"]!.GetValue<string>().Contains("\"concurrent\":4"));
    }
}
