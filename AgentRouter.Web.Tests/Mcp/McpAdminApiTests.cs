using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Mcp;

/// <summary>The MCP server registry, grants on the profile, and the tool-call listing, through the admin API.</summary>
public sealed class McpAdminApiTests(McpFixture fixture) : IClassFixture<McpFixture>
{
    [Fact]
    public async Task ASecret_IsEncryptedAtRest_AndNeverReturnedOrAudited_OnlyItsHint()
    {
        var admin = fixture.Router.Admin();
        const string secret = "ghp_verysecretvalue1234";
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = "vault-test", url = "https://mcp.example.com/mcp", auth = new { kind = "bearer", secret } }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<Guid>();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/mcp-servers/{id}/secret", new { secret = "ghp_rotatedsecretvalue99" });

        var listed = await admin.Http.GetStringAsync("/api/admin/mcp-servers");
        var one = await admin.Http.GetStringAsync($"/api/admin/mcp-servers/{id}");
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=McpServer&entityId={id}");
        await using var db = await fixture.Router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var stored = await db.McpServers.SingleAsync(s => s.Id == id);

        Assert.Equal("…1234", created["auth"]!["secretHint"]!.GetValue<string>());
        Assert.Equal("bearer", created["auth"]!["kind"]!.GetValue<string>());
        Assert.Contains("…ue99", one);
        foreach (var text in new[] { created.ToJsonString(), listed, one, audit, stored.SecretCipher! })
        {
            Assert.DoesNotContain("verysecret", text);
            Assert.DoesNotContain("rotatedsecret", text);
        }
        Assert.Contains("mcp-server.created", audit);
        Assert.Contains("mcp-server.secret-rotated", audit);
    }

    [Fact]
    public async Task InvalidRegistrations_ListEveryProblem()
    {
        var admin = fixture.Router.Admin();

        var bad = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = "Has_Underscores", url = "ftp://x", auth = new { kind = "header", secret = "s" } }, HttpStatusCode.BadRequest);
        var noneWithSecret = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = "plain", url = "http://127.0.0.1:1/mcp", auth = new { kind = "none", secret = "s" } }, HttpStatusCode.BadRequest);
        var bearerWithout = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = "plain", url = "http://127.0.0.1:1/mcp", auth = new { kind = "bearer" } }, HttpStatusCode.BadRequest);
        var reservedHeader = await admin.SendAsync(HttpMethod.Post, "/api/admin/mcp-servers",
            new { name = "plain", url = "http://127.0.0.1:1/mcp", auth = new { kind = "header", header = "Mcp-Session-Id", secret = "s" } }, HttpStatusCode.BadRequest);

        Assert.Equal(["auth.header", "name", "url"], bad["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.True(noneWithSecret["errors"]!.AsObject().ContainsKey("auth.secret"));
        Assert.True(bearerWithout["errors"]!.AsObject().ContainsKey("auth.secret"));
        Assert.True(reservedHeader["errors"]!.AsObject().ContainsKey("auth.header"));
    }

    [Fact]
    public async Task ProfileGrants_RoundTrip_AndAreValidated()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo", "search_issues"]));

        var profile = await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{s.TeamId}/profile");
        var invalid = await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new
        {
            mcpServers = new object[]
            {
                new { serverId = Guid.NewGuid() },
                new { serverId = server.Id, tools = Array.Empty<string>() },
                new { serverId = server.Id, tools = new[] { "echo", "echo" } },
            },
        }, HttpStatusCode.BadRequest);

        var grant = Assert.Single(profile["mcpServers"]!.AsArray())!;
        Assert.Equal(server.Id, grant["serverId"]!.GetValue<Guid>());
        Assert.Equal(["echo", "search_issues"], grant["tools"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(["mcpServers[0].serverId", "mcpServers[1].tools", "mcpServers[2].serverId", "mcpServers[2].tools[1]"],
            invalid["errors"]!.AsObject().Select(e => e.Key).Order());
    }

    [Fact]
    public async Task ToolCalls_AreListedByTeam()
    {
        var server = await fixture.RegisterAsync(fixture.GitHub);
        var s = await fixture.ScenarioAsync((server, ["echo"]));
        var other = await fixture.ScenarioAsync((server, ["echo"]));
        await using (var client = await fixture.ConnectAsync($"/mcp/{server.Name}", s.Key))
        {
            await client.CallToolAsync("echo", new Dictionary<string, object?> { ["text"] = "a" });
            await Assert.ThrowsAnyAsync<Exception>(() => client.CallToolAsync("delete_repo", new Dictionary<string, object?> { ["repo"] = "a" }).AsTask());
        }
        await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "delete_repo");
        await fixture.Calls.For(c => c.ApiKeyId == s.KeyId && c.Tool == "echo");

        var calls = await s.Admin.ListAsync($"/api/admin/mcp-calls?teamId={s.TeamId}");
        var none = await s.Admin.ListAsync($"/api/admin/mcp-calls?teamId={other.TeamId}");
        var mine = await s.Admin.ListAsync($"/api/admin/mcp-calls?developerId={s.DeveloperId}&limit=1");

        Assert.Equal(["delete_repo:refused", "echo:ok"], calls.Select(c => $"{c!["tool"]}:{c["outcome"]}").Order());
        Assert.All(calls, c => Assert.Equal(server.Name, c!["server"]!.GetValue<string>()));
        Assert.Empty(none);
        Assert.Single(mine);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheMcpAdminApi_ButNotTheGateway()
    {
        var paths = (await fixture.Router.Gateway().GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");

        Assert.True(paths.TryGetProperty("/api/admin/mcp-servers", out _));
        Assert.True(paths.TryGetProperty("/api/admin/mcp-servers/{id}/secret", out _));
        Assert.True(paths.TryGetProperty("/api/admin/mcp-calls", out _));
        Assert.False(paths.TryGetProperty("/mcp/{server}", out _));
    }
}
