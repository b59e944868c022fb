using System.Text.Json;
using AgentRouter.Web.Providers.Bedrock;

namespace AgentRouter.Web.Tests.Providers.Bedrock;

public sealed class BedrockSettingsTests
{
    [Fact]
    public void Settings_AreNormalised_AndRoundTripTheirStoredForm()
    {
        var settings = BedrockSettings.Parse(JsonDocument.Parse("{\"region\":\" EU-West-1 \",\"acceptedBetas\":[\"context-1m-2025-08-07\",\"context-1m-2025-08-07\"]}").RootElement, out var problems);

        Assert.Empty(problems);
        Assert.Equal("eu-west-1", settings!.Region);
        Assert.Equal(["context-1m-2025-08-07"], settings.Betas);
        Assert.Equal(settings.Region, BedrockSettings.FromStored(settings.ToJson())!.Region);
        Assert.Equal(settings.Betas, BedrockSettings.FromStored(settings.ToJson())!.Betas);
    }

    [Fact]
    public void Settings_WithoutBetas_AcceptBedrocksKnownFlags()
    {
        var settings = BedrockSettings.Parse(JsonDocument.Parse("{\"region\":\"us-east-1\"}").RootElement, out _);

        Assert.Contains("interleaved-thinking-2025-05-14", settings!.Betas);
        Assert.DoesNotContain("claude-code-20250219", settings.Betas);
    }

    [Theory]
    [InlineData("{}", "settings.region")]
    [InlineData("{\"region\":\"mars-1\"}", "settings.region")]
    [InlineData("{\"region\":\"us-east-1\",\"acceptedBetas\":42}", "settings.acceptedBetas")]
    [InlineData("{\"region\":\"us-east-1\",\"acceptedBetas\":[\"Not A Flag\"]}", "settings.acceptedBetas")]
    [InlineData("{\"region\":\"us-east-1\",\"projectId\":\"p\"}", "settings.projectId")]
    [InlineData("null", "settings")]
    public void Settings_RefuseWhatIsNotValid_NamingTheField(string json, string field)
    {
        Assert.Null(BedrockSettings.Parse(JsonDocument.Parse(json).RootElement, out var problems));
        Assert.Contains(problems, p => p.Field == field);
    }
}
