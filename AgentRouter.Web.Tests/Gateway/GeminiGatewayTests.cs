using System.Net;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Gateway;

public sealed class GeminiGatewayTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Pinned = "gemini-2.5-pro-preview-06-05";

    private Task<Scenario> Scenario() => fixture.ScenarioAsync("gemini", "gemini-pro", Pinned);

    [Theory]
    [InlineData("x-goog-api-key")]
    [InlineData("query")]
    [InlineData("authorization")]
    public async Task Key_IsAccepted_AndTheProviderKeyIsInjected_WithThePinnedModelInThePath(string header)
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", Requests.Contents(), header));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = s.Fake.LastRequest;
        Assert.Equal($"/v1beta/models/{Pinned}:generateContent", upstream.Path);
        Assert.Equal(s.ProviderKey, upstream.Headers["x-goog-api-key"]);
        Assert.DoesNotContain("key=", upstream.QueryString);
        Assert.False(upstream.Headers.ContainsKey("authorization"));
        Assert.DoesNotContain(upstream.Headers.Values, v => v.Contains("ar_"));
    }

    [Fact]
    public async Task NonStreamedAnswer_IsRecordedWithCachedAndThoughtsTokens()
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 100, Output: 40, CacheRead: 60, Reasoning: 25);
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", Requests.Contents()));
        var record = await fixture.Router.Usage.For(response);

        // Gemini bills thoughts as output: Output = candidates + thoughts.
        Assert.Equal((100, 65, 60, 25), (record.InputTokens, record.OutputTokens, record.CacheReadTokens, record.ReasoningTokens));
        Assert.Equal("gemini.generate", record.Surface);
    }

    [Theory]
    [InlineData("?alt=sse")]
    [InlineData("")]
    public async Task StreamedAnswer_InEitherForm_IsRecordedWithTheFinalUsage(string query)
    {
        var s = await Scenario();
        s.Fake.Usage = new FakeUsage(Input: 70, Output: 33);
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "streamGenerateContent", Requests.Contents(), query: query));
        var body = await response.Content.ReadAsStringAsync();
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(query, s.Fake.LastRequest.QueryString);
        Assert.Contains("usageMetadata", body);
        Assert.Equal((70, 33), (record.InputTokens, record.OutputTokens));
        Assert.True(record.Streamed);
    }

    [Fact]
    public async Task CountTokens_IsForwarded_AndBillsNothing()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "countTokens", Requests.Contents()));
        var record = await fixture.Router.Usage.For(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"/v1beta/models/{Pinned}:countTokens", s.Fake.LastRequest.Path);
        Assert.Equal(0, record.TotalTokens);
    }

    [Fact]
    public async Task UnapprovedModel_Is403InGooglesShape()
    {
        var s = await Scenario();
        using var response = await s.Client.SendAsync(Requests.Gemini(s.Key, "gemini-ultra", "generateContent", Requests.Contents()));
        var error = AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal((403, "PERMISSION_DENIED"), (error.GetProperty("code").GetInt32(), error.GetProperty("status").GetString()));
        Assert.Contains("gemini-pro", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnknownMethod_And_MalformedBody_AreClearErrorsInGooglesShape()
    {
        var s = await Scenario();
        using var unknown = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "embedContent", Requests.Contents()));
        using var malformed = await s.Client.SendAsync(Requests.Gemini(s.Key, s.PublicName, "generateContent", "{\"contents\":"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("NOT_FOUND", AdminClient.Json(await unknown.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("INVALID_ARGUMENT", AdminClient.Json(await malformed.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Models_ListsTheTeamsModels_InGooglesShape()
    {
        var s = await Scenario();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1beta/models");
        request.Headers.Add("x-goog-api-key", s.Key);
        using var response = await s.Client.SendAsync(request);
        var list = AdminClient.Json(await response.Content.ReadAsStringAsync());

        var model = Assert.Single(list.GetProperty("models").EnumerateArray());
        Assert.Equal("models/gemini-pro", model.GetProperty("name").GetString());
    }

    [Fact]
    public async Task MissingKey_Is401InGooglesShape()
    {
        var s = await Scenario();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1beta/models/{s.PublicName}:generateContent") { Content = Requests.Json(Requests.Contents()) };
        using var response = await s.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("UNAUTHENTICATED", AdminClient.Json(await response.Content.ReadAsStringAsync()).GetProperty("error").GetProperty("status").GetString());
    }
}
