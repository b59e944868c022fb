using AgentRouter.Web.Admin;
using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Providers.VertexAI;
using AgentRouter.Web.Tests.Console;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AgentRouter.Web.Tests.Providers.VertexAI;

/// <summary>The provider dialog for the Vertex AI kind: project, location, accepted betas and an uploaded key file.</summary>
public sealed class VertexProviderDialogTests : ConsoleComponentContext
{
    [Fact]
    public async Task VertexKind_AsksForProjectLocationAndTheKeyFile_AndSendsWhatTheAdapterReads()
    {
        using var account = new TestServiceAccount("https://oauth2.googleapis.com/token");
        var dialog = await ShowAsync<ProviderDialog>();
        Providers.Find("[data-testid=provider-name]").Change("Vertex prod");
        var kind = Providers.FindComponent<MudSelect<string>>();
        await kind.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync("vertex-ai"));

        Assert.Equal("https://aiplatform.googleapis.com", Providers.Find("[data-testid=provider-url]").GetAttribute("value"));
        Assert.Empty(Providers.FindAll("[data-testid=provider-field-apiKey]"));
        Providers.Find("[data-testid=provider-field-projectId]").Change("acme-ai-prod");
        Providers.Find("[data-testid=provider-field-location]").Change("europe-west1");
        Providers.Find("[data-testid=provider-field-acceptedBetas]").Change("context-1m-2025-08-07, interleaved-thinking-2025-05-14");
        Providers.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(account.Json, "acme-ai-prod-1a2b3c.json", contentType: "application/json"));
        Providers.WaitForAssertion(() => Assert.Contains(account.Email, Providers.Find("[data-testid=provider-field-serviceAccountKey]").GetAttribute("value") ?? ""));
        Providers.Find("[data-testid=save-provider]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var request = Assert.IsType<CreateProviderRequest>(result!.Data);
        Assert.Equal(("Vertex prod", "vertex-ai"), (request.Name, request.Kind));
        var adapter = Services.GetRequiredService<ProviderAdapters>().Find("vertex-ai")!;
        var problems = new Problems();
        var configuration = adapter.Configure(request.Settings, request.Credential, problems);
        Assert.False(problems.Any, string.Join("; ", problems.ToDictionary().SelectMany(p => p.Value)));
        Assert.Equal(new VertexSettings("acme-ai-prod", "europe-west1", ["context-1m-2025-08-07", "interleaved-thinking-2025-05-14"]).ToJson(), configuration.Settings);
        Assert.Equal(account.Json, configuration.Secret);
        Assert.Equal("…" + account.KeyId[^4..], adapter.Hint(configuration.Secret!));
    }

    [Fact]
    public async Task VertexKind_WithoutProjectOrKey_StaysOpenWithFieldErrors()
    {
        var dialog = await ShowAsync<ProviderDialog>();
        Providers.Find("[data-testid=provider-name]").Change("Vertex prod");
        var kind = Providers.FindComponent<MudSelect<string>>();
        await kind.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync("vertex-ai"));

        Providers.Find("[data-testid=save-provider]").Click();

        Providers.WaitForAssertion(() => Assert.Contains("Project id is required", Providers.Markup));
        Assert.Contains("Service-account JSON key is required", Providers.Markup);
        Assert.False(dialog.Result.IsCompleted);
    }
}
