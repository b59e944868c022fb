using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Mcp;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Teams;
using Bunit;
using MudBlazor;

namespace AgentRouter.Web.Tests.Console;

public sealed class DialogTests : ConsoleComponentContext
{
    [Fact]
    public async Task McpGrant_RestrictedToTools_OffersResourcesAndPrompts_DeniedUnlessTicked()
    {
        var server = new McpServerView(Guid.NewGuid(), "github", "https://mcp.example/", new McpAuthView("bearer", null, "…abcd"), DateTimeOffset.UtcNow, null);
        var dialog = await ShowAsync(new DialogParameters<McpGrantDialog> { { d => d.Servers, [server] } });
        var select = Providers.FindComponent<MudSelect<Guid?>>();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(server.Id));
        Assert.Empty(Providers.FindComponents<MudCheckBox<bool>>());
        var every = Providers.FindComponent<MudSwitch<bool>>();
        await every.InvokeAsync(() => every.Instance.ValueChanged.InvokeAsync(false));

        Providers.Find("[data-testid=grant-tools-typed]").Change("echo, search_issues");
        var boxes = Providers.FindComponents<MudCheckBox<bool>>();
        Assert.Equal(2, boxes.Count);
        await boxes[0].InvokeAsync(() => boxes[0].Instance.ValueChanged.InvokeAsync(true));
        Providers.Find("[data-testid=grant-mcp]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var grant = Assert.IsType<ProfileMcpServer>(result!.Data);
        Assert.Equal((server.Id, true, false), (grant.ServerId, grant.Resources, grant.Prompts));
        Assert.Equal(["echo", "search_issues"], grant.Tools);
    }

    [Fact]
    public async Task CreateTeam_WithNothingEntered_ShowsFieldErrors_AndStaysOpen()
    {
        var dialog = await ShowAsync<CreateTeamDialog>();

        Providers.Find("[data-testid=create-team]").Click();

        Providers.WaitForAssertion(() => Assert.Contains("Name is required", Providers.Markup));
        Assert.Equal(2, Providers.FindAll(".mud-input-helper-text.mud-input-error").Count);
        Assert.False(dialog.Result.IsCompleted);
    }

    [Fact]
    public async Task CreateTeam_SuggestsASlugFromTheName_AndReturnsTheRequest()
    {
        var dialog = await ShowAsync<CreateTeamDialog>();

        Providers.Find("[data-testid=team-name]").Input("Payments Platform");
        Providers.Find("[data-testid=create-team]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(new CreateTeamRequest("Payments Platform", "payments-platform"), result!.Data);
    }

    [Fact]
    public async Task CreateTeam_RefusesABadSlug()
    {
        var dialog = await ShowAsync<CreateTeamDialog>();

        Providers.Find("[data-testid=team-name]").Input("x");
        Providers.Find("[data-testid=team-slug]").Input("Has_Underscore");
        Providers.Find("[data-testid=create-team]").Click();

        Providers.WaitForAssertion(() => Assert.Contains("lower-case letters", Providers.Markup));
        Assert.False(dialog.Result.IsCompleted);
    }

    [Fact]
    public async Task Provider_RequiresAnApiKey_ExceptForTheSandbox()
    {
        var dialog = await ShowAsync<ProviderDialog>();
        Providers.Find("[data-testid=provider-name]").Change("Anthropic prod");
        Providers.Find("[data-testid=save-provider]").Click();
        Providers.WaitForAssertion(() => Assert.Contains("API key is required", Providers.Markup));
        Assert.False(dialog.Result.IsCompleted);

        var kind = Providers.FindComponent<MudSelect<string>>();
        await kind.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync("sandbox"));
        Assert.Empty(Providers.FindAll("[data-testid=provider-field-apiKey]"));
        Providers.Find("[data-testid=save-provider]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var request = Assert.IsType<CreateProviderRequest>(result!.Data);
        Assert.Equal(("sandbox", AgentRouter.Web.Providers.Sandbox.SandboxAdapter.BaseUrl, null), (request.Kind, request.BaseUrl, request.Credential));
    }

    [Fact]
    public async Task SecretOnce_ShowsTheKeyAndTheLinesToPaste_AndIsGoneOnceClosed()
    {
        const string key = "ar_payments_0123456789abcdefghijABCDEFGHIJ0123456789abc";
        var lines = AgentRouter.Web.Console.KeyFlow.SetupLines("https://router.corp", key);
        var dialog = await ShowAsync(new DialogParameters<SecretOnceDialog> { { d => d.Secret, key }, { d => d.Lines, lines } });

        Assert.Equal(key, Providers.Find("[data-testid=secret-value]").GetAttribute("value"));
        var pasted = Providers.Find("[data-testid=secret-lines]").TextContent;
        Assert.Contains("ANTHROPIC_BASE_URL=https://router.corp", pasted);
        Assert.Contains($"ANTHROPIC_API_KEY={key}", pasted);
        Assert.Contains("OPENAI_BASE_URL=https://router.corp/v1", pasted);
        Assert.Contains("only time it is shown", Providers.Markup);

        Providers.FindAll("button").Single(b => b.TextContent.Contains("I have copied it")).Click();
        await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        Providers.WaitForAssertion(() => Assert.DoesNotContain(key, Providers.Markup));
    }

    [Fact]
    public async Task PinUpgrade_ShowsCurrentAndNewSideBySide_AndNeedsAChoiceBeforeConfirming()
    {
        var dialog = await ShowAsync(new DialogParameters<PinUpgradeDialog>
        {
            { d => d.PublicName, "claude-sonnet-4-5" }, { d => d.Current, "claude-sonnet-4-5-20250929" },
            { d => d.Catalog, new[] { "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20251101" }.Select(m => new CatalogView(m, 3, 15, 3.75m, 0.3m, null, DateTimeOffset.UnixEpoch)).ToList() },
        });
        Assert.Equal("claude-sonnet-4-5-20250929", Providers.Find("[data-testid=current-pin]").TextContent);
        Assert.True(UpgradeButton().HasAttribute("disabled"));

        var select = Providers.FindComponent<MudSelect<string>>();
        await select.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync("claude-sonnet-4-5-20251101"));

        Providers.WaitForAssertion(() => Assert.Contains("claude-sonnet-4-5-20250929 → claude-sonnet-4-5-20251101", Providers.Find("[data-testid=pin-change]").TextContent));
        UpgradeButton().Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("claude-sonnet-4-5-20251101", result!.Data);

        AngleSharp.Dom.IElement UpgradeButton() => Providers.FindAll("button").Single(b => b.TextContent.Contains("Upgrade pin"));
    }

    private new Task<IDialogReference> ShowAsync<TDialog>(DialogParameters<TDialog> parameters) where TDialog : Microsoft.AspNetCore.Components.IComponent =>
        base.ShowAsync(parameters);
}
