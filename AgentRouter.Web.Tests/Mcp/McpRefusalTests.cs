using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Tests.Infrastructure;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary>Every refused <c>tools/call</c> leaves a record, whatever refused it; and a grant restricted to tools
/// exposes no resources or prompts unless it says so.</summary>
public sealed class McpRefusalTests(McpFixture fixture) : IClassFixture<McpFixture>
{
    private const string EchoCall = """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}""";

    [Fact]
    public async Task ToolsCall_ToAServerTheTeamIsNotGranted_IsRecordedAsRefused()
    {
        var granted = await fixture.RegisterAsync(fixture.GitHub);
        var other = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((granted, null));
        var seen = fixture.Jira.Requests.Count;

        using var response = await PostAsync($"/mcp/{other.Name}", s.Key, EchoCall);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);
        Assert.Equal(McpCallOutcome.Refused, record.Outcome);
        Assert.Equal(other.Id, record.ServerId);
        Assert.Equal("echo", record.Tool);
        Assert.Equal(403, record.Status);
        Assert.Contains("not granted", record.Error);
        Assert.Equal(seen, fixture.Jira.Requests.Count);
    }

    [Fact]
    public async Task ToolsCall_ToAnUnknownServer_IsRecordedAsRefused()
    {
        var granted = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((granted, null));

        using var response = await PostAsync("/mcp/no-such-server", s.Key, EchoCall);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);
        Assert.Equal((McpCallOutcome.Refused, "no-such-server", (Guid?)null), (record.Outcome, record.Server, record.ServerId));
    }

    [Fact]
    public async Task ToolsCalls_InABatch_AreEachRecordedAsRefused_AndNoneForwarded()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        var seen = fixture.GitHub.Requests.Count;

        using var response = await PostAsync($"/mcp/{server.Name}", s.Key,
            """[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_repo"}}]""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var echo = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "echo");
        var delete = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "delete_repo");
        Assert.All([echo, delete], r => Assert.Equal(McpCallOutcome.Refused, r.Outcome));
        Assert.Contains("batch", delete.Error);
        Assert.Equal(seen, fixture.GitHub.Requests.Count);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"delete_repo"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","n\u0061me":"delete_repo"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","m\u0065thod":"ping","params":{"name":"delete_repo"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete_repo"}} trailing""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"delete_repo"},""")]
    public async Task ToolsCall_ThatIsNotStrictJson_IsRefused_Recorded_AndNotForwarded(string body)
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        var seen = fixture.GitHub.Requests.Count;

        using var response = await PostAsync($"/mcp/{server.Name}", s.Key, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(-32700, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetInt32());
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);
        Assert.Equal(McpCallOutcome.Refused, record.Outcome);
        Assert.Equal(400, record.Status);
        Assert.Equal(seen, fixture.GitHub.Requests.Count);
    }

    [Fact]
    public async Task AggregatedEndpoint_RecordsRefusedBatchesAndUnreadableCalls()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));

        using var batch = await PostAsync("/mcp", s.Key, $$$"""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"{{{server.Name}}}__echo"}}]""");
        using var duplicate = await PostAsync("/mcp", s.Key, """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"a__echo","n\u0061me":"b__echo"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, batch.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.StatusCode);
        var batched = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == $"{server.Name}__echo");
        var unreadable = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "a__echo|b__echo");
        Assert.Equal(McpCallOutcome.Refused, batched.Outcome);
        Assert.Equal(McpCallOutcome.Refused, unreadable.Outcome);
    }

    [Theory]
    [InlineData("resources/list")]
    [InlineData("resources/read")]
    [InlineData("resources/templates/list")]
    [InlineData("prompts/list")]
    [InlineData("prompts/get")]
    [InlineData("completion/complete")]
    public async Task GrantRestrictedToTools_ExposesNoResourcesOrPrompts(string method)
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        var seen = fixture.GitHub.Requests.Count;

        using var response = await PostAsync($"/mcp/{server.Name}", s.Key, $$$"""{"jsonrpc":"2.0","id":5,"method":"{{{method}}}","params":{}}""");

        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(5, error.GetProperty("id").GetInt32());
        Assert.Equal(-32601, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains($"'{method}' is not granted", error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(seen, fixture.GitHub.Requests.Count);
    }

    [Fact]
    public async Task GrantThatSaysSo_ExposesResources_ButStillNotPrompts_AndTheProfileApiShowsIt()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile",
            new { mcpServers = new[] { new { serverId = server.Id, tools = new[] { "echo" }, resources = true } } });
        var profile = await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/profile");
        var grant = profile["mcpServers"]!.AsArray().Single()!;
        Assert.True(grant["resources"]!.GetValue<bool>());
        Assert.False(grant["prompts"]!.GetValue<bool>());
        var seen = fixture.GitHub.Requests.Count;

        using var resources = await PostAsync($"/mcp/{server.Name}", s.Key, """{"jsonrpc":"2.0","id":6,"method":"resources/list","params":{}}""");
        Assert.Equal(seen + 1, fixture.GitHub.Requests.Count);
        using var prompts = await PostAsync($"/mcp/{server.Name}", s.Key, """{"jsonrpc":"2.0","id":7,"method":"prompts/list","params":{}}""");

        Assert.Equal(seen + 1, fixture.GitHub.Requests.Count);
        Assert.Contains("'prompts/list' is not granted", await prompts.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WholeServerGrant_StillPassesResourcesAndPrompts()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        var seen = fixture.GitHub.Requests.Count;

        using var response = await PostAsync($"/mcp/{server.Name}", s.Key, """{"jsonrpc":"2.0","id":8,"method":"prompts/list","params":{}}""");

        Assert.Equal(seen + 1, fixture.GitHub.Requests.Count);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string key, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        return fixture.Router.Gateway().SendAsync(request);
    }
}
