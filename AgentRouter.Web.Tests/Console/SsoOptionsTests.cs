using AgentRouter.Web.Console.Account;

namespace AgentRouter.Web.Tests.Console;

public sealed class SsoOptionsTests
{
    private static string[] Problems(SsoOptions options) =>
        new ValidateSsoOptions().Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void NoProvider_WithLocalPasswords_IsTheDefault_AndValid() => Assert.Empty(Problems(new SsoOptions()));

    [Fact]
    public void LocalPasswordsOff_WithoutAProvider_IsRefused() =>
        Assert.Contains(Problems(new SsoOptions { LocalPasswords = false }), p => p.Contains("Sso:LocalPasswords"));

    [Fact]
    public void Provider_NeedsClientId_HttpsIssuer_KnownRoles_AndAMapping()
    {
        var problems = Problems(new SsoOptions { Authority = "http://idp.corp.example", RoleMapping = { ["Owner"] = ["x"] } });

        Assert.Contains(problems, p => p.Contains("https"));
        Assert.Contains(problems, p => p.Contains("Sso:ClientId"));
        Assert.Contains(problems, p => p.Contains("Sso:RoleMapping:Owner"));
    }

    [Fact]
    public void CompleteProvider_IsValid() => Assert.Empty(Problems(new SsoOptions
    {
        Authority = "https://login.microsoftonline.com/tenant-id/v2.0", ClientId = "client", ClientSecret = "secret",
        RoleClaim = "roles", RoleMapping = { ["Admin"] = ["AgentRouter.Admin"], ["Developer"] = ["AgentRouter.Developer"] },
    }));
}
