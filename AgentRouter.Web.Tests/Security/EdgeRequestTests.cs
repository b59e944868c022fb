using System.Net;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Security;

/// <summary>Requests at the edges of the gateway's routes get a clear answer in the caller's dialect, and reach no provider.</summary>
public sealed class EdgeRequestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Theory]
    [InlineData("/v1beta/models/:generateContent")]
    [InlineData("/v1beta/models/%20:streamGenerateContent")]
    [InlineData("/v1beta/models/generateContent")]
    public async Task GeminiPathWithoutAModel_IsRefusedInGoogleShape_NamingThePathToUse(string path)
    {
        var scenario = await fixture.ScenarioAsync("gemini", "gemini-pro-public", "gemini-2.5-pro");
        var before = scenario.Fake.Requests.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent("""{"contents":[{"parts":[{"text":"hi"}]}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", scenario.Key);

        using var response = await scenario.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(400, error.GetProperty("code").GetInt32());
        Assert.Equal("INVALID_ARGUMENT", error.GetProperty("status").GetString());
        Assert.Contains("names no model", error.GetProperty("message").GetString());
        Assert.Contains("/v1beta/models/{model}:", error.GetProperty("message").GetString());
        Assert.Equal(before, scenario.Fake.Requests.Count);
    }

    [Theory]
    [InlineData("GET", "/v1/messages", "POST", "anthropic")]
    [InlineData("PUT", "/v1/messages/count_tokens", "POST", "anthropic")]
    [InlineData("GET", "/v1/chat/completions", "POST", "openai")]
    [InlineData("DELETE", "/v1/chat/completions", "POST", "openai")]
    [InlineData("GET", "/v1beta/models/gemini-2.5-pro:generateContent", "POST", "gemini")]
    [InlineData("POST", "/v1beta/models", "GET", "gemini")]
    [InlineData("POST", "/v1beta/models/gemini-2.5-pro", "GET", "gemini")]
    public async Task WrongHttpMethod_Gets405InTheCallersDialect_WithTheMethodToUse(string method, string path, string allowed, string dialect)
    {
        var client = fixture.Router.Gateway();
        var before = fixture.Anthropic.Requests.Count + fixture.OpenAI.Requests.Count + fixture.Gemini.Requests.Count;
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (dialect == "openai")
            request.Headers.Add("authorization", "Bearer ar_nobody_x");
        else
            request.Headers.Add("x-api-key", "ar_nobody_x");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allowed, Assert.Single(response.Content.Headers.Allow));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var message = body.GetProperty("error").GetProperty("message").GetString();
        if (dialect == "anthropic")
            Assert.Equal("error", body.GetProperty("type").GetString());
        if (dialect == "openai")
            Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        if (dialect == "gemini")
            Assert.Equal(405, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal($"{path} takes {allowed}, not {method}.", message);
        Assert.Equal(before, fixture.Anthropic.Requests.Count + fixture.OpenAI.Requests.Count + fixture.Gemini.Requests.Count);
    }

    [Fact]
    public async Task UnknownGatewayPath_IsStill404()
    {
        using var response = await fixture.Router.Gateway().GetAsync("/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task AdminApiBodyThatCannotBeRead_GetsJsonWithARequestId_NotAnEmpty400()
    {
        var admin = fixture.Router.Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/teams")
        {
            Content = new StringContent("{\"name\": ", Encoding.UTF8, "application/json"),
        };

        using var response = await admin.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        var requestId = body.GetProperty("requestId").GetString();
        Assert.False(string.IsNullOrEmpty(requestId));
        Assert.Equal(requestId, response.Headers.GetValues("x-agentrouter-request-id").Single());
    }
}
