using System.Text.Json;
using AgentRouter.Web.Console.Dialogs;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Console;
using Bunit;
using MudBlazor;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

/// <summary>The provider dialog asks a Bedrock account for its region and an access key (or an API key).</summary>
public sealed class BedrockDialogTests : ConsoleComponentContext
{
    [Fact]
    public async Task ProviderDialog_ForBedrock_AsksForTheRegionAndTheKeys_AndSendsThemAsSettingsAndCredential()
    {
        var dialog = await ShowAsync<ProviderDialog>();
        Providers.Find("[data-testid=provider-name]").Change("Bedrock prod");
        var kind = Providers.FindComponent<MudSelect<string>>();
        await kind.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync("bedrock"));

        Assert.Equal("https://bedrock-runtime.amazonaws.com", Providers.Find("[data-testid=provider-url]").GetAttribute("value"));
        foreach (var field in new[] { "accessKeyId", "secretAccessKey", "sessionToken", "apiKey", "acceptedBetas" })
            Assert.Single(Providers.FindAll($"[data-testid=provider-field-{field}]"));
        Assert.Equal("password", Providers.Find("[data-testid=provider-field-secretAccessKey]").GetAttribute("type"));
        var region = Providers.FindComponents<MudSelect<string>>().Single(s => s.Instance.Label == "AWS region");
        await region.InvokeAsync(() => region.Instance.ValueChanged.InvokeAsync("eu-west-1"));
        Providers.Find("[data-testid=provider-field-accessKeyId]").Change("AKIAEXAMPLE00000001");
        Providers.Find("[data-testid=provider-field-secretAccessKey]").Change("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        Providers.Find("[data-testid=save-provider]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        var request = Assert.IsType<CreateProviderRequest>(result!.Data);
        Assert.Equal("bedrock", request.Kind);
        Assert.Equal("{\"region\":\"eu-west-1\"}", JsonSerializer.Serialize(request.Settings));
        Assert.Equal("{\"accessKeyId\":\"AKIAEXAMPLE00000001\",\"secretAccessKey\":\"wJalrXUtnFEMI/K7MDENG\\u002BbPxRfiCYEXAMPLEKEY\"}", JsonSerializer.Serialize(request.Credential));
    }
}
