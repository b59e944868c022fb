using AgentRouter.Web.Gateway;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Profiles;

namespace AgentRouter.Web.Tests.Mcp;

public sealed class McpPolicyTests
{
    private static readonly McpUpstream GitHub = new(Guid.NewGuid(), "github", "https://mcp.example.com/mcp", McpAuthKind.Bearer, null, "ghp_secret_value");

    [Fact]
    public void AGrantWithoutAToolList_AllowsEveryTool_AToolList_OnlyItsExactNames()
    {
        var whole = new McpServerGrant(GitHub, null);
        var some = new McpServerGrant(GitHub, ["search_issues"]);

        Assert.True(whole.Allows("delete_repo"));
        Assert.True(some.Allows("search_issues"));
        Assert.False(some.Allows("delete_repo"));
        Assert.False(some.Allows("Search_Issues"));
        Assert.False(some.Allows("search_issues "));
    }

    [Fact]
    public void AProfileWithoutGrants_ReachesNoServer()
    {
        var team = new TeamPolicy(Guid.NewGuid(), "payments", BillingMode.Central, []);
        var snapshot = new PolicySnapshot([], [team], [GitHub]);

        Assert.Empty(team.McpServers);
        Assert.Same(GitHub, snapshot.McpServers["github"]);
    }

    [Fact]
    public void TheGatewaysViewOfAServer_NeverPrintsItsSecret()
    {
        Assert.DoesNotContain("ghp_secret_value", GitHub.ToString());
    }

    [Fact]
    public void TheCredential_ReplacesWhateverTheRequestCarriedInItsHeader()
    {
        using var bearer = new HttpRequestMessage();
        bearer.Headers.TryAddWithoutValidation("authorization", "Bearer ar_payments_leftover");
        GitHub.AddCredential(bearer.Headers);
        using var header = new HttpRequestMessage();
        header.Headers.TryAddWithoutValidation("x-api-key", "leftover");
        new McpUpstream(Guid.NewGuid(), "jira", "https://jira.example.com/mcp", McpAuthKind.Header, "X-Api-Key", "jira-secret").AddCredential(header.Headers);

        Assert.Equal("Bearer ghp_secret_value", Assert.Single(bearer.Headers.GetValues("authorization")));
        Assert.Equal("jira-secret", Assert.Single(header.Headers.GetValues("x-api-key")));
    }
}
