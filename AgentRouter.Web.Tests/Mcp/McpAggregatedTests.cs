using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AgentRouter.Web.Mcp;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary><c>/mcp</c>: every granted server behind one endpoint, driven by the C# MCP client.</summary>
public sealed class McpAggregatedTests(McpFixture fixture) : IClassFixture<McpFixture>
{
    private static Dictionary<string, object?> Text(string text) => new() { ["text"] = text };

    [Fact]
    public async Task ListsAndCallsTheGrantedToolsOfTwoServers()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var jira = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((github, ["echo"]), (jira, ["echo", "search_issues"]));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);

        var tools = await client.ListToolsAsync();
        var fromGitHub = await client.CallToolAsync($"{github.Name}__echo", Text("hi"));
        var fromJira = await client.CallToolAsync($"{jira.Name}__search_issues", new Dictionary<string, object?> { ["query"] = "bug" });
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "search_issues");

        Assert.Equal("agent-router", client.ServerInfo?.Name);
        Assert.Equal([$"{github.Name}__echo", $"{jira.Name}__echo", $"{jira.Name}__search_issues"], tools.Select(t => t.Name).Order());
        Assert.Equal("github: hi", Assert.IsType<TextContentBlock>(Assert.Single(fromGitHub.Content)).Text);
        Assert.Equal("jira found 3 issues for 'bug'", Assert.IsType<TextContentBlock>(Assert.Single(fromJira.Content)).Text);
        Assert.Equal((jira.Id, jira.Name, McpCallOutcome.Ok, s.DeveloperId), (record.ServerId!.Value, record.Server, record.Outcome, record.DeveloperId));
    }

    [Fact]
    public async Task ASessionlessServer_CanBeAggregatedWithAStatefulOne()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var tickets = await fixture.RegisterAsync(fixture.Stateless);
        var s = await fixture.ScenarioAsync((github, ["echo"]), (tickets, ["echo"]));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);

        var tools = await client.ListToolsAsync();
        var result = await client.CallToolAsync($"{tickets.Name}__echo", Text("hi"));

        Assert.Equal([$"{github.Name}__echo", $"{tickets.Name}__echo"], tools.Select(t => t.Name).Order());
        Assert.Equal("tickets: hi", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
    }

    [Fact]
    public async Task EachServerGetsItsOwnCredential_AndNoRouterKey()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var jira = await fixture.RegisterAsync(fixture.Jira, "header", "X-Jira-Token");
        var s = await fixture.ScenarioAsync((github, null), (jira, null));
        var (seenGitHub, seenJira) = (fixture.GitHub.Requests.Count, fixture.Jira.Requests.Count);
        await using (var client = await fixture.ConnectAsync("/mcp", s.Key))
        {
            await client.ListToolsAsync();
            await client.CallToolAsync($"{github.Name}__echo", Text("a"));
            await client.CallToolAsync($"{jira.Name}__echo", Text("b"));
        }

        var toGitHub = fixture.GitHub.Requests.Skip(seenGitHub).ToList();
        var toJira = fixture.Jira.Requests.Skip(seenJira).ToList();
        Assert.Contains(toGitHub, r => r.Body.Contains("tools/call"));
        Assert.Contains(toJira, r => r.Body.Contains("tools/call"));
        Assert.All(toGitHub, r => Assert.Equal("Bearer " + github.Secret, r.Headers["authorization"]));
        Assert.All(toJira, r => Assert.Equal(jira.Secret, r.Headers["x-jira-token"]));
        Assert.All(toGitHub.Concat(toJira), r => Assert.DoesNotContain(r.Headers.Values, v => v.Contains(s.Key) || v.Contains($"ar_{s.Slug}_")));
        Assert.DoesNotContain(toJira, r => r.Headers.ContainsKey("authorization"));
    }

    [Fact]
    public async Task UngrantedToolsAndServers_AreRefusedWithAJsonRpcErrorNamingThem()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var jira = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((github, ["echo"]));
        var seen = fixture.GitHub.Requests.Count;
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);

        var tool = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync($"{github.Name}__delete_repo", new Dictionary<string, object?> { ["repo"] = "x" }).AsTask());
        var server = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync($"{jira.Name}__echo", Text("x")).AsTask());
        var unprefixed = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("echo", Text("x")).AsTask());

        Assert.Contains("'delete_repo'", tool.Message);
        Assert.Contains($"'{jira.Name}' is not an MCP server granted", server.Message);
        Assert.Contains("<server>__<tool>", unprefixed.Message);
        Assert.DoesNotContain(fixture.GitHub.Requests.Skip(seen), r => r.Body.Contains("delete_repo"));
        Assert.DoesNotContain(fixture.Jira.Requests, r => r.Body.Contains("tools/call") && r.Headers.GetValueOrDefault("authorization") == "Bearer " + jira.Secret);
        Assert.Equal(McpCallOutcome.Refused, (await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "delete_repo")).Outcome);
    }

    [Fact]
    public async Task Notifications_AreStreamedBeforeTheResult()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((github, ["progress"]));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);
        var gate = fixture.GitHub.State.ProgressGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ProgressNotificationValue? first = null;
        var progress = new InlineProgress(value => { first ??= value; gate.TrySetResult(); });

        var result = await client.CallToolAsync($"{github.Name}__progress", progress: progress).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("finished", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("halfway", first?.Message);
    }

    [Fact]
    public async Task RemovingAGrantOrRevokingTheKey_TakesEffectOnTheNextRequest()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var jira = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((github, ["echo"]), (jira, ["echo"]));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);
        Assert.Equal(2, (await client.ListToolsAsync()).Count);

        await fixture.GrantAsync(s.TeamId, (jira, ["echo"]));
        Assert.Equal([$"{jira.Name}__echo"], (await client.ListToolsAsync()).Select(t => t.Name));
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync($"{github.Name}__echo", Text("x")).AsTask());

        await s.Admin.RevokeKeyAsync(s.KeyId);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync().AsTask());
    }

    [Fact]
    public async Task AServerThatCannotBeReached_IsLeftOutOfTheList_AndItsCallsFailClearly()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var down = (await fixture.Router.Admin().SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = $"down-{Guid.NewGuid():N}"[..20], url = "http://127.0.0.1:1/mcp", auth = new { kind = "none" } }, HttpStatusCode.Created));
        var downServer = new RegisteredServer(down["id"]!.GetValue<Guid>(), down["name"]!.GetValue<string>(), "", fixture.GitHub);
        var s = await fixture.ScenarioAsync((github, ["echo"]), (downServer, null));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);

        var tools = await client.ListToolsAsync();
        var failed = await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync($"{downServer.Name}__echo", Text("x")).AsTask());
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Server == downServer.Name);

        Assert.Equal([$"{github.Name}__echo"], tools.Select(t => t.Name));
        Assert.Contains($"'{downServer.Name}' could not be reached", failed.Message + failed.InnerException?.Message);
        Assert.Equal((McpCallOutcome.Failed, 502), (record.Outcome, record.Status));
    }

    [Fact]
    public async Task ASessionBelongsToTheKeyThatOpenedIt()
    {
        var github = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((github, null));
        var other = await fixture.ScenarioAsync((github, null));
        await using var client = await fixture.ConnectAsync("/mcp", s.Key);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other.Key);
        request.Headers.TryAddWithoutValidation("Mcp-Session-Id", client.SessionId);
        using var response = await fixture.Router.Gateway().SendAsync(request);

        Assert.False(string.IsNullOrEmpty(client.SessionId));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task WithoutAKey_TheAggregateAnswers401()
    {
        var (status, message) = await McpProxyTests.PostInitializeAsync(fixture.Router.Gateway(), "/mcp", null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("Agent Router API key", message);
    }

    private sealed class InlineProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
