using AgentRouter.Web.Admin;
using AgentRouter.Web.Console.Layout;
using Bunit;

namespace AgentRouter.Web.Tests.Console;

/// <summary>The navigation shows each role what it may open, and nothing else.</summary>
public sealed class ConsoleNavTests : ConsoleComponentContext
{
    [Theory]
    [InlineData(Roles.Admin, new[] { "Overview", "Finance", "Invoices", "Teams", "Developers", "Keys", "Request log", "Providers", "Model catalog", "MCP servers", "Audit log", "Settings", "Jobs" })]
    [InlineData(Roles.Finance, new[] { "Overview", "Finance", "Invoices" })]
    [InlineData(Roles.Developer, new[] { "My access" })]
    public void EachRole_SeesItsOwnPages(string role, string[] expected)
    {
        AddAuthorization().SetAuthorized("someone@corp.example").SetRoles(role);

        var nav = Render<ConsoleNav>();

        Assert.Equal(expected, nav.FindAll("a").Select(a => a.TextContent.Trim()));
    }

    [Fact]
    public void SignedOut_SeesNoPages()
    {
        AddAuthorization().SetNotAuthorized();

        Assert.Empty(Render<ConsoleNav>().FindAll("a"));
    }
}
