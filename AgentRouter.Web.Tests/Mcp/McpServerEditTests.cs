using System.Net;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary>Editing and deleting registered MCP servers, and discovering a server's tools for the grant dialog.</summary>
public sealed class McpServerEditTests(McpFixture fixture) : IClassFixture<McpFixture>
{
    [Fact]
    public async Task Editing_RenamesAndMovesTheServer_KeepingItsSecret_AndIsAudited()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var admin = fixture.Router.Admin();
        var newName = server.Name + "-renamed";

        var edited = await admin.SendAsync(HttpMethod.Put, $"/api/admin/mcp-servers/{server.Id}",
            new { name = newName, url = fixture.GitHub.Url, auth = new { kind = "bearer" } });
        var s = await fixture.ScenarioAsync((server, null));
        await using var client = await fixture.ConnectAsync($"/mcp/{newName}", s.Key);
        var tools = await client.ListToolsAsync();
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=McpServer&entityId={server.Id}");

        Assert.Equal(newName, edited["name"]!.GetValue<string>());
        Assert.Equal(server.Secret[^4..], edited["auth"]!["secretHint"]!.GetValue<string>()[^4..]);
        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Contains("mcp-server.updated", audit);
        Assert.DoesNotContain(server.Secret, audit);
    }

    [Fact]
    public async Task Editing_RefusesADuplicateName_AndASwitchToBearerWithoutASecret()
    {
        var first = await fixture.RegisterAsync(fixture.GitHub);
        var admin = fixture.Router.Admin();
        var plain = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = $"plain-{Guid.NewGuid():N}"[..20], url = fixture.Jira.Url, auth = new { kind = "none" } }, HttpStatusCode.Created);
        var plainId = plain["id"]!.GetValue<Guid>();

        var duplicate = await admin.SendAsync(HttpMethod.Put, $"/api/admin/mcp-servers/{plainId}",
            new { name = first.Name, url = fixture.Jira.Url, auth = new { kind = "none" } }, HttpStatusCode.BadRequest);
        var noSecret = await admin.SendAsync(HttpMethod.Put, $"/api/admin/mcp-servers/{plainId}",
            new { name = plain["name"]!.GetValue<string>(), url = fixture.Jira.Url, auth = new { kind = "bearer" } }, HttpStatusCode.BadRequest);

        Assert.True(duplicate["errors"]!.AsObject().ContainsKey("name"));
        Assert.True(noSecret["errors"]!.AsObject().ContainsKey("auth.secret"));
    }

    [Fact]
    public async Task Deleting_IsRefusedWhileATeamIsGranted_NamingTheTeam_ThenWorks()
    {
        var server = await fixture.RegisterAsync(fixture.Jira);
        var s = await fixture.ScenarioAsync((server, null));
        var admin = fixture.Router.Admin();

        var refused = await admin.SendAsync(HttpMethod.Delete, $"/api/admin/mcp-servers/{server.Id}", expected: HttpStatusCode.BadRequest);
        await fixture.GrantAsync(s.TeamId);
        await admin.SendAsync(HttpMethod.Delete, $"/api/admin/mcp-servers/{server.Id}");
        await admin.SendAsync(HttpMethod.Get, $"/api/admin/mcp-servers/{server.Id}", expected: HttpStatusCode.NotFound);
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=McpServer&entityId={server.Id}");

        Assert.Contains(s.Slug, refused["errors"]!["id"]![0]!.GetValue<string>());
        Assert.Contains("mcp-server.deleted", audit);
    }

    [Fact]
    public async Task Tools_AreListedThroughTheStoredCredential()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var before = fixture.GitHub.Requests.Count;

        var tools = await fixture.Router.Admin().Http.GetStringAsync($"/api/admin/mcp-servers/{server.Id}/tools");

        foreach (var name in new[] { "echo", "search_issues", "delete_repo", "fail", "progress" })
            Assert.Contains($"\"name\":\"{name}\"", tools);
        Assert.Contains("Echoes the text", tools);
        var sent = fixture.GitHub.Requests.Skip(before).ToList();
        Assert.Contains(sent, r => r.Body.Contains("\"tools/list\"", StringComparison.Ordinal));
        Assert.All(sent, r => Assert.Equal("Bearer " + server.Secret, r.Headers["authorization"]));
    }

    [Fact]
    public async Task Tools_OfAServerThatRefusesTheCredential_AreAClearProblem()
    {
        var server = await fixture.RegisterAsync(fixture.Jira);
        fixture.Jira.State.ExpectedCredential = ("authorization", "Bearer something-else");

        var refused = await fixture.Router.Admin().SendAsync(HttpMethod.Get, $"/api/admin/mcp-servers/{server.Id}/tools", expected: HttpStatusCode.BadRequest);

        Assert.Contains("did not list its tools", refused["errors"]!["tools"]![0]!.GetValue<string>());
        Assert.DoesNotContain(server.Secret, refused.ToJsonString());
        await using var db = await fixture.Router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.McpServers.AnyAsync(m => m.Id == server.Id));
    }
}
