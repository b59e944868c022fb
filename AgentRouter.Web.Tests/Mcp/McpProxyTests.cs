using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Tests.Infrastructure;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary><c>/mcp/{server}</c> driven by the C# MCP client, through the router, to a real MCP server.</summary>
public sealed class McpProxyTests(McpFixture fixture) : IClassFixture<McpFixture>
{
    private static readonly string[] AllTools = ["delete_repo", "echo", "fail", "progress", "search_issues"];

    [Fact]
    public async Task ToolsList_IsFilteredToTheGrantedTools()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo", "search_issues"]));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        var tools = await client.ListToolsAsync();

        Assert.Equal(["echo", "search_issues"], tools.Select(t => t.Name).Order());
        Assert.Contains("Echoes the text", tools.Single(t => t.Name == "echo").Description);
    }

    [Fact]
    public async Task ToolsList_WithAWholeServerGrant_ListsEveryTool()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        Assert.Equal(AllTools, (await client.ListToolsAsync()).Select(t => t.Name).Order());
    }

    [Fact]
    public async Task GrantedCall_Works_AndIsRecordedWithWhoCalledIt()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hello" });
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("github: hello", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal((s.TeamId, s.DeveloperId, server.Id, server.Name, "echo", McpCallOutcome.Ok, 200),
            (record.TeamId, record.DeveloperId, record.ServerId!.Value, record.Server, record.Tool, record.Outcome, record.Status));
        Assert.Null(record.Error);
        Assert.StartsWith("req_", record.RequestId);
    }

    [Fact]
    public async Task UngrantedTool_IsRefusedWithAJsonRpcErrorNamingIt_NeverReachesTheServer_AndIsRecorded()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);
        var seen = fixture.GitHub.Requests.Count;

        var refused = await Assert.ThrowsAsync<McpProtocolException>(() =>
            client.CallToolAsync("delete_repo", new Dictionary<string, object?> { ["repo"] = "payments" }).AsTask());
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);

        Assert.Equal(McpErrorCode.InvalidParams, refused.ErrorCode);
        Assert.Contains("'delete_repo'", refused.Message);
        Assert.Contains($"not granted to team '{s.Slug}'", refused.Message);
        Assert.DoesNotContain(fixture.GitHub.Requests.Skip(seen), r => r.Body.Contains("delete_repo"));
        Assert.Equal(("delete_repo", McpCallOutcome.Refused), (record.Tool, record.Outcome));
    }

    [Fact]
    public async Task ToolReportingAnError_IsRecordedAsAToolError()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        var result = await client.CallToolAsync("fail");
        var record = await fixture.Calls.For(c => c.ApiKeyId == s.KeyId);

        Assert.True(result.IsError);
        Assert.Equal(("fail", McpCallOutcome.ToolError), (record.Tool, record.Outcome));
    }

    [Fact]
    public async Task TheServersCredentialIsInjected_AndTheRouterKeyIsNeverForwarded()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        var seen = fixture.GitHub.Requests.Count;
        await using (var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key))
        {
            await client.ListToolsAsync();
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" });
        }

        var upstream = fixture.GitHub.Requests.Skip(seen).ToList();
        Assert.Contains(upstream, r => r.Method == "POST" && r.Body.Contains("tools/call"));
        Assert.All(upstream, r =>
        {
            Assert.Equal("Bearer " + server.Secret, r.Headers["authorization"]);
            Assert.DoesNotContain(r.Headers.Values, v => v.Contains(s.Key) || v.Contains($"ar_{s.Slug}_"));
        });
    }

    [Fact]
    public async Task AHeaderCredential_IsInjectedInItsHeader_AndNoAuthorizationTravels()
    {
        var server = await fixture.RegisterAsync(fixture.Jira, "header", "X-Jira-Token");
        var s = await fixture.ScenarioAsync((server, null));
        var seen = fixture.Jira.Requests.Count;
        await using (var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key))
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "x" });

        Assert.All(fixture.Jira.Requests.Skip(seen), r =>
        {
            Assert.Equal(server.Secret, r.Headers["x-jira-token"]);
            Assert.False(r.Headers.ContainsKey("authorization"));
        });
    }

    [Fact]
    public async Task RotatingTheSecret_AppliesToTheNextRequest()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        const string rotated = "org-github-rotated-secret-0001";
        fixture.GitHub.State.ExpectedCredential = ("authorization", "Bearer " + rotated);
        var view = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/mcp-servers/{server.Id}/secret", new { secret = rotated });
        var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "after" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal("Bearer " + rotated, fixture.GitHub.Requests.Last().Headers["authorization"]);
        Assert.Equal("…0001", view["auth"]!["secretHint"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheSessionId_RoundTrips_AndEndingTheSessionReachesTheServer()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);
        await client.ListToolsAsync();
        var sessionId = client.SessionId;
        var listed = fixture.GitHub.Requests.Last(r => r.Body.Contains("tools/list"));
        await client.DisposeAsync();

        Assert.False(string.IsNullOrEmpty(sessionId));
        Assert.Equal(sessionId, listed.Headers["mcp-session-id"]);
        Assert.False(string.IsNullOrEmpty(listed.Headers["mcp-protocol-version"]));
        Assert.Contains(fixture.GitHub.Requests, r => r.Method == "DELETE" && r.Headers.GetValueOrDefault("mcp-session-id") == sessionId);
    }

    [Fact]
    public async Task Notifications_AreStreamedBeforeTheResult()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["progress"]));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);
        var gate = fixture.GitHub.State.ProgressGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new ReleasingProgress(gate);

        // The tool holds its result until the test has seen its first progress notification: a router that buffered the
        // answer would deliver nothing until the tool's timeout, and the call would fail.
        var result = await client.CallToolAsync("progress", progress: progress).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("finished", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("halfway", progress.First?.Message);
    }

    [Fact]
    public async Task ASessionlessServerOfTheLatestRevision_IsFilteredAndEnforcedToo()
    {
        var server = await fixture.RegisterAsync(fixture.Stateless);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        var seen = fixture.Stateless.Requests.Count;
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);

        var tools = await client.ListToolsAsync();
        var echoed = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "hi" });
        var refused = await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("delete_repo", new Dictionary<string, object?> { ["repo"] = "x" }).AsTask());

        Assert.Equal("2026-07-28", client.NegotiatedProtocolVersion);
        Assert.Null(client.SessionId);
        Assert.Equal(["echo"], tools.Select(t => t.Name));
        Assert.Equal("tickets: hi", Assert.IsType<TextContentBlock>(Assert.Single(echoed.Content)).Text);
        Assert.Contains("'delete_repo'", refused.Message);
        Assert.DoesNotContain(fixture.Stateless.Requests.Skip(seen), r => r.Body.Contains("delete_repo"));
    }

    [Fact]
    public async Task RevokingTheKey_TakesEffectOnTheNextRequest()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);
        await client.ListToolsAsync();

        await s.Admin.RevokeKeyAsync(s.KeyId);
        var seen = fixture.GitHub.Requests.Count(r => r.Method == "POST");

        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync().AsTask());
        Assert.Equal(seen, fixture.GitHub.Requests.Count(r => r.Method == "POST"));
    }

    [Fact]
    public async Task NarrowingOrRemovingTheGrant_TakesEffectOnTheNextRequest()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key);
        Assert.Equal(AllTools, (await client.ListToolsAsync()).Select(t => t.Name).Order());

        await fixture.GrantAsync(s.TeamId, (server, ["echo"]));
        Assert.Equal(["echo"], (await client.ListToolsAsync()).Select(t => t.Name));
        await Assert.ThrowsAsync<McpProtocolException>(() => client.CallToolAsync("search_issues", new Dictionary<string, object?> { ["query"] = "x" }).AsTask());

        await fixture.GrantAsync(s.TeamId);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ListToolsAsync().AsTask());
    }

    [Fact]
    public async Task Refusals_SayWhy_WithTheRightStatus()
    {
        var granted = await fixture.RegisterAsync(fixture.GitHub);
        var other = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((granted, null));
        var http = fixture.Router.Gateway();

        var (noKey, noKeyMessage) = await PostInitializeAsync(http, $"/mcp/{granted.Name}", null);
        var (unknown, unknownMessage) = await PostInitializeAsync(http, "/mcp/no-such-server", s.Key);
        var (ungranted, ungrantedMessage) = await PostInitializeAsync(http, $"/mcp/{other.Name}", s.Key);
        var (xApiKey, _) = await PostInitializeAsync(http, $"/mcp/{granted.Name}", s.Key, "x-api-key");

        Assert.Equal(HttpStatusCode.Unauthorized, noKey);
        Assert.Contains("Agent Router API key", noKeyMessage);
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("No MCP server named 'no-such-server'", unknownMessage);
        Assert.Contains(granted.Name, unknownMessage);
        Assert.Equal(HttpStatusCode.Forbidden, ungranted);
        Assert.Contains($"'{other.Name}' is not granted to team '{s.Slug}'", ungrantedMessage);
        Assert.Equal(HttpStatusCode.OK, xApiKey);
    }

    [Fact]
    public async Task AServerRefusingTheOrganisationsCredential_IsABadGatewayForTheClient_NotAnOAuthChallenge()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, null));
        fixture.GitHub.State.ExpectedCredential = ("authorization", "Bearer something-else");
        try
        {
            using var response = await SendInitializeAsync(fixture.Router.Gateway(), $"/mcp/{server.Name}", s.Key, "authorization");
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.False(response.Headers.Contains("WWW-Authenticate"));
            Assert.Contains($"'{server.Name}' refused the credential", body);
        }
        finally
        {
            fixture.GitHub.State.ExpectedCredential = null;
        }
    }

    [Fact]
    public async Task AToolsCallWithAMismatchedMcpNameHeader_IsRefused()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/mcp/{server.Name}")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", s.Key);
        request.Headers.TryAddWithoutValidation("Mcp-Name", "delete_repo");
        using var response = await fixture.Router.Gateway().SendAsync(request);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(7, error.GetProperty("id").GetInt32());
        Assert.Equal(-32602, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Contains("does not match", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task DuplicateKeysInARequest_AreRefused_SoTheServerCannotReadADifferentToolName()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/mcp/{server.Name}")
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","name":"delete_repo","arguments":{}}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", s.Key);
        var seen = fixture.GitHub.Requests.Count;
        using var response = await fixture.Router.Gateway().SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(seen, fixture.GitHub.Requests.Count);
    }

    internal static async Task<(HttpStatusCode Status, string Message)> PostInitializeAsync(HttpClient http, string path, string? key, string header = "authorization")
    {
        using var response = await SendInitializeAsync(http, path, key, header);
        var text = await response.Content.ReadAsStringAsync();
        var message = response.IsSuccessStatusCode ? "" : JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("message").GetString()!;
        return (response.StatusCode, message);
    }

    internal static Task<HttpResponseMessage> SendInitializeAsync(HttpClient http, string path, string? key, string header)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(
                """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (key is not null)
        {
            if (header == "authorization")
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            else
                request.Headers.TryAddWithoutValidation(header, key);
        }
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Records the first progress notification and opens the tool's gate; runs on the notification's own thread.</summary>
    private sealed class ReleasingProgress(TaskCompletionSource gate) : IProgress<ProgressNotificationValue>
    {
        public ProgressNotificationValue? First { get; private set; }

        public void Report(ProgressNotificationValue value)
        {
            First ??= value;
            gate.TrySetResult();
        }
    }
}
