using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Teams;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentRouter.Web.Console;

/// <summary>Issuing a key from any page: ask (the dialog saves through the key service and stays open on a refusal),
/// then show the key once with the lines to paste.</summary>
public sealed class KeyFlow(KeyService keys, NavigationManager navigation)
{
    public async Task<IssuedKey?> CreateAsync(ConsolePage page, IReadOnlyList<TeamView> teams, IReadOnlyList<DeveloperView> developers, Guid? teamId, Guid? developerId)
    {
        var parameters = new DialogParameters<CreateKeyDialog>
        {
            { d => d.Teams, teams }, { d => d.Developers, developers }, { d => d.TeamId, teamId }, { d => d.DeveloperId, developerId },
            { d => d.Save, async request => await keys.CreateAsync(request, await page.ActorAsync(), CancellationToken.None) },
        };
        return await ShowAsync(page, await page.AskAsync<CreateKeyDialog, IssuedKey>("New key", parameters));
    }

    /// <summary>A developer's own key from My access: their team, their name on it, an optional expiry.</summary>
    public async Task<IssuedKey?> CreateOwnAsync(ConsolePage page, Guid developerId)
    {
        var parameters = new DialogParameters<CreateKeyDialog>
        {
            { d => d.OwnKey, true },
            { d => d.Save, async request => await keys.CreateOwnAsync(developerId, request.Name, request.ExpiresAt, await page.ActorAsync(), CancellationToken.None) },
        };
        return await ShowAsync(page, await page.AskAsync<CreateKeyDialog, IssuedKey>("New key", parameters));
    }

    private async Task<IssuedKey?> ShowAsync(ConsolePage page, IssuedKey? issued)
    {
        if (issued is null)
            return null;
        page.Snackbar.Add("Key created", Severity.Success);
        await page.ShowSecretOnceAsync("Your new key", issued.Key, "Agent Router key", SetupLines(navigation.BaseUri.TrimEnd('/'), issued.Key));
        return issued;
    }

    /// <summary>What a developer pastes to point their tools at the router.</summary>
    public static IReadOnlyList<string> SetupLines(string router, string key) =>
    [
        "# Claude Code and the Anthropic SDKs",
        $"export ANTHROPIC_BASE_URL={router}",
        $"export ANTHROPIC_API_KEY={key}",
        "# OpenAI SDKs",
        $"export OPENAI_BASE_URL={router}/v1",
        $"export OPENAI_API_KEY={key}",
        "# Google Gen AI SDKs (base URL option: " + router + ")",
        $"export GEMINI_API_KEY={key}",
        "# MCP servers the team is granted, in Claude Code",
        $"claude mcp add --transport http agent-router {router}/mcp --header \"Authorization: Bearer {key}\"",
    ];
}
