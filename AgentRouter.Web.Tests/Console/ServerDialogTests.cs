using AgentRouter.Web.Admin;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Console;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Console.Layout;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Teams;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AgentRouter.Web.Tests.Console;

/// <summary>The console's dialogs and panels that were fixed in the second pass, rendered with bUnit.</summary>
public sealed class ServerDialogTests : ConsoleComponentContext
{
    [Fact]
    public async Task McpServerDialog_KeepsEverythingTyped_WhenTheServerRefusesTheName()
    {
        var calls = 0;
        var dialog = await ShowAsync(new DialogParameters<McpServerDialog>
        {
            { d => d.Save, _ => Task.FromResult(++calls == 1
                ? AdminResult<McpServerView>.Invalid(new Problems().Add("name", "An MCP server named 'github' already exists."))
                : new McpServerView(Guid.NewGuid(), "github-2", "https://mcp.example.com/mcp", new McpAuthView("bearer", null, "…cret"), DateTimeOffset.UnixEpoch, null)) },
        });

        Providers.Find("[data-testid=mcp-name]").Change("github");
        Providers.Find("[data-testid=mcp-url]").Change("https://mcp.example.com/mcp");
        Providers.Find("[data-testid=mcp-secret]").Change("a-secret");
        Providers.Find("[data-testid=save-mcp]").Click();

        Providers.WaitForAssertion(() => Assert.Contains("An MCP server named 'github' already exists.", Providers.Find(".mud-input-error").TextContent));
        Assert.False(dialog.Result.IsCompleted);
        Assert.Equal("https://mcp.example.com/mcp", Providers.Find("[data-testid=mcp-url]").GetAttribute("value"));
        Assert.Equal("a-secret", Providers.Find("[data-testid=mcp-secret]").GetAttribute("value"));

        Providers.Find("[data-testid=mcp-name]").Change("github-2");
        Providers.Find("[data-testid=save-mcp]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("github-2", Assert.IsType<McpServerView>(result!.Data).Name);
    }

    [Fact]
    public async Task McpServerDialog_Editing_StartsFromTheServer_AndKeepsTheSecretWhenLeftEmpty()
    {
        var existing = new McpServerView(Guid.NewGuid(), "jira", "https://jira.example.com/mcp", new McpAuthView("header", "X-Api-Key", "…9876"), DateTimeOffset.UnixEpoch, null);
        CreateMcpServerRequest? sent = null;
        var dialog = await ShowAsync(new DialogParameters<McpServerDialog>
        {
            { d => d.Existing, existing },
            { d => d.Save, request => { sent = request; return Task.FromResult<AdminResult<McpServerView>>(existing); } },
        });

        Assert.Equal("jira", Providers.Find("[data-testid=mcp-name]").GetAttribute("value"));
        Assert.Contains("keep the current secret (…9876)", Providers.Markup);
        Providers.Find("[data-testid=mcp-url]").Change("https://jira2.example.com/mcp");
        Providers.Find("[data-testid=save-mcp]").Click();
        await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(new CreateMcpServerRequest("jira", "https://jira2.example.com/mcp", new McpAuthRequest("header", "X-Api-Key", null)), sent);
    }

    [Fact]
    public async Task BudgetDialog_RefusesAnAmbiguousAmount_AndEditsAnExistingBudget()
    {
        var existing = new ProfileBudget("team", 1000, 5m, "weekly", "warn");
        ProfileBudget? saved = null;
        var dialog = await ShowAsync(new DialogParameters<BudgetDialog>
        {
            { d => d.Existing, existing },
            { d => d.Save, budget => { saved = budget; return Task.FromResult<AdminResult<ProfileDocument>>(new ProfileDocument([])); } },
        });
        Assert.Equal("5", Providers.Find("[data-testid=budget-usd]").GetAttribute("value"));

        Providers.Find("[data-testid=budget-usd]").Input("3,1");
        Providers.Find("[data-testid=save-budget]").Click();
        Providers.WaitForAssertion(() => Assert.Contains("Use a point for decimals", Providers.Markup));
        Assert.False(dialog.Result.IsCompleted);

        Providers.Find("[data-testid=budget-usd]").Input("3.10");
        Providers.Find("[data-testid=save-budget]").Click();
        await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(existing with { Usd = 3.10m }, saved);
    }

    [Fact]
    public async Task CreateTeamDialog_PreviewsTheSlugAsTheNameIsTyped()
    {
        await ShowAsync<CreateTeamDialog>();

        Providers.Find("[data-testid=team-name]").Input("Payments Platform");

        Providers.WaitForAssertion(() => Assert.Contains("ar_payments-platform_…", Providers.Find("[data-testid=slug-preview]").TextContent));
        Assert.Equal("payments-platform", Providers.Find("[data-testid=team-slug]").GetAttribute("value"));
    }

    [Fact]
    public async Task McpGrantDialog_OffersTheServersOwnTools_ToTick()
    {
        var server = new McpServerView(Guid.NewGuid(), "github", "https://mcp.example.com/mcp", new McpAuthView("bearer", null, "…1234"), DateTimeOffset.UnixEpoch, null);
        Guid? asked = null;
        var dialog = await ShowAsync(new DialogParameters<McpGrantDialog>
        {
            { d => d.Servers, [server] },
            { d => d.DiscoverTools, id => { asked = id; return Task.FromResult<AdminResult<List<McpToolInfo>>>(new List<McpToolInfo> { new("echo", "Echoes"), new("search_issues", null) }); } },
        });

        var select = Providers.FindComponent<MudSelect<Guid?>>();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(server.Id));
        var every = Providers.FindComponent<MudSwitch<bool>>();
        await every.InvokeAsync(() => every.Instance.ValueChanged.InvokeAsync(false));

        // The two tools, then "also expose resources" and "also expose prompts".
        Providers.WaitForAssertion(() => Assert.Equal(4, Providers.FindComponents<MudCheckBox<bool>>().Count));
        Assert.Equal(server.Id, asked);
        Assert.Contains("echo — Echoes", Providers.Find("[data-testid=grant-tools]").TextContent);
        var search = Providers.FindComponents<MudCheckBox<bool>>()[1];
        await search.InvokeAsync(() => search.Instance.ValueChanged.InvokeAsync(true));
        Providers.Find("[data-testid=grant-mcp]").Click();

        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        var grant = Assert.IsType<ProfileMcpServer>(result!.Data);
        Assert.Equal(["search_issues"], grant.Tools);
    }

    [Fact]
    public async Task McpGrantDialog_WhenDiscoveryFails_SaysSo_AndLetsToolsBeTyped()
    {
        var server = new McpServerView(Guid.NewGuid(), "down", "https://mcp.example.com/mcp", new McpAuthView("none", null, null), DateTimeOffset.UnixEpoch, null);
        await ShowAsync(new DialogParameters<McpGrantDialog>
        {
            { d => d.Servers, [server] },
            { d => d.DiscoverTools, _ => Task.FromResult(AdminResult<List<McpToolInfo>>.Invalid(new Problems().Add("tools", "'down' did not list its tools"))) },
        });

        var select = Providers.FindComponent<MudSelect<Guid?>>();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(server.Id));
        var every = Providers.FindComponent<MudSwitch<bool>>();
        await every.InvokeAsync(() => every.Instance.ValueChanged.InvokeAsync(false));

        Providers.WaitForAssertion(() => Assert.Contains("did not list its tools", Providers.Find("[data-testid=grant-discovery-error]").TextContent));
        Assert.Contains("Comma-separated tool names", Providers.Markup);
    }

    [Fact]
    public async Task PinUpgrade_OffersOnlyTheSameFamily_AndShowsThePriceChange()
    {
        CatalogView Entry(string model, decimal input, decimal output) => new(model, input, output, 0, 0, null, DateTimeOffset.UnixEpoch);
        await ShowAsync(new DialogParameters<PinUpgradeDialog>
        {
            { d => d.PublicName, "claude" }, { d => d.Current, "claude-sonnet-4-5" },
            { d => d.Catalog, [Entry("claude-sonnet-4-5", 3, 15), Entry("claude-opus-4-1", 15, 75), Entry("sandbox-gpt", 3, 15), Entry("gpt-5", 1.25m, 10)] },
        });

        var select = Providers.FindComponent<MudSelect<string>>();
        Assert.Equal(["claude-opus-4-1"], select.FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value));
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("claude-opus-4-1"));

        var prices = Providers.Find("[data-testid=pin-prices]").TextContent;
        Assert.Contains("+$12.00 (+400%)", prices);
        Assert.Contains("+$60.00 (+400%)", prices);
    }

    [Fact]
    public async Task SecretOnce_WrapsItsLines_InAScrollableBlock()
    {
        var lines = KeyFlow.SetupLines("https://router.corp", "ar_payments_" + new string('x', 60));
        await ShowAsync(new DialogParameters<SecretOnceDialog> { { d => d.Secret, "ar_payments_x" }, { d => d.Lines, lines } });

        var block = Providers.Find("[data-testid=secret-lines]");
        Assert.Contains("secret-lines", block.ClassList);
        Assert.Equal("0", block.GetAttribute("tabindex"));
        Assert.False(ConsolePage.SecretOnceOptions.CloseOnEscapeKey);
        Assert.False(ConsolePage.SecretOnceOptions.BackdropClick);
    }

    [Fact]
    public void KeysAndUsage_HasHeaders_AndOffersRevokeOnlyWhenAsked()
    {
        var key = new KeyRow(Guid.NewGuid(), "ar_pay_ab12", "laptop", Guid.NewGuid(), "pay", Guid.NewGuid(), "Ada", "active", DateTimeOffset.UnixEpoch, null, null);
        var usage = new UsageRow(DateTimeOffset.UnixEpoch, "claude-code", "claude", 200, 1200, 0.0042m, 350, null);
        KeyRow? revoked = null;

        var plain = Render<KeysAndUsage>(p => p.Add(c => c.Keys, [key]).Add(c => c.Usage, [usage]));
        var own = Render<KeysAndUsage>(p => p.Add(c => c.Keys, [key]).Add(c => c.Usage, [usage]).Add(c => c.OnRevoke, (KeyRow k) => revoked = k));

        var headers = plain.FindAll("th").Select(h => h.TextContent).ToList();
        Assert.Contains("Tokens", headers);
        Assert.Contains("Cost", headers);
        Assert.Contains("Prefix", headers);
        Assert.Contains("$0.0042", plain.Markup);
        Assert.Empty(plain.FindAll("[data-testid=revoke-laptop]"));
        own.Find("[data-testid=revoke-laptop]").Click();
        Assert.Equal(key, revoked);
    }

    [Theory]
    [InlineData(Roles.Developer, "/", "http://localhost/me")]
    [InlineData(Roles.Finance, "/", "http://localhost/finance")]
    [InlineData(Roles.Developer, "/keys", "http://localhost/keys")]
    public void NotAllowed_SendsARoleHome_FromTheFrontDoorOnly(string role, string at, string expected)
    {
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(at);
        var user = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new System.Security.Claims.Claim(System.Security.Claims.ClaimTypes.Role, role)], "test"));

        var rendered = Render<NotAllowed>(p => p.Add(c => c.User, user));

        Assert.Equal(expected, navigation.Uri);
        if (at != "/")
            Assert.Equal(role == Roles.Developer ? "/me" : "/finance", rendered.Find("[data-testid=home-link]").GetAttribute("href"));
    }

    private new Task<IDialogReference> ShowAsync<TDialog>(DialogParameters<TDialog> parameters) where TDialog : IComponent =>
        base.ShowAsync(parameters);
}
