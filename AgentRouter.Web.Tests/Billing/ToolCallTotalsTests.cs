using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>The finance view counts MCP tool calls with the same period, team, developer and agent filters.</summary>
public sealed class ToolCallTotalsTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task ToolCalls_AreCountedInThePeriod_ByServer_WithRefusals()
    {
        var (teamA, teamB, ada) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var day = new DateOnly(2026, 5, 12);
        var noon = new DateTimeOffset(2026, 5, 12, 12, 0, 0, TimeSpan.Zero);
        McpCallRecord Call(Guid team, Guid? developer, string server, string outcome, DateTimeOffset at) => new()
        {
            At = at, RequestId = Guid.NewGuid().ToString("N"), TeamId = team, DeveloperId = developer, ApiKeyId = Guid.NewGuid(),
            Agent = "claude-code", Server = server, Tool = "t", Outcome = outcome, Status = 200,
        };
        await using (var db = await fixture.Router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            db.McpCalls.AddRange(
                Call(teamA, ada, "github", McpCallOutcome.Ok, noon),
                Call(teamA, ada, "github", McpCallOutcome.Refused, noon),
                Call(teamA, null, "jira", McpCallOutcome.Ok, noon),
                Call(teamB, null, "jira", McpCallOutcome.Ok, noon),
                Call(teamA, ada, "github", McpCallOutcome.Ok, noon.AddDays(1)));
            await db.SaveChangesAsync();
        }
        var queries = fixture.Router.Services.GetRequiredService<AttributionQueries>();

        var team = await queries.ToolCallsAsync(new AttributionFilter(day, day, TeamId: teamA), CancellationToken.None);
        var developer = await queries.ToolCallsAsync(new AttributionFilter(day, day.AddDays(1), DeveloperId: ada), CancellationToken.None);

        Assert.Equal((3L, 1L), (team.Calls, team.Refused));
        Assert.Equal([("github", 2L), ("jira", 1L)], team.ByServer.Select(s => (s.Name, s.Tokens)));
        Assert.Equal(3, developer.Calls);
    }
}
