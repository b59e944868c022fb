using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Teams;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentRouter.Web.Console;

/// <summary>Issuing a key from any page: ask, create, then show it once with the lines to paste.</summary>
public sealed class KeyFlow(KeyService keys, NavigationManager navigation)
{
    public async Task<IssuedKey?> CreateAsync(ConsolePage page, IReadOnlyList<TeamView> teams, IReadOnlyList<DeveloperView> developers, Guid? teamId, Guid? developerId)
    {
        var parameters = new DialogParameters<CreateKeyDialog>
        {
            { d => d.Teams, teams }, { d => d.Developers, developers }, { d => d.TeamId, teamId }, { d => d.DeveloperId, developerId },
        };
        if (await page.AskAsync<CreateKeyDialog, CreateKeyRequest>("New key", parameters) is not { } request)
            return null;
        if (page.Report(await keys.CreateAsync(request, await page.ActorAsync(), CancellationToken.None), "Key created") is not { } issued)
            return null;
        var lines = SetupLines(navigation.BaseUri.TrimEnd('/'), issued.Key);
        await page.AskAsync<SecretOnceDialog, object>("Your new key", new DialogParameters<SecretOnceDialog>
        {
            { d => d.Secret, issued.Key }, { d => d.Label, "Agent Router key" }, { d => d.Lines, lines },
        });
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
