using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>The router configured for OpenID Connect against a <see cref="LoopbackOidcProvider"/>, with local passwords
/// off, on a real loopback port, and Debian's Chromium.</summary>
public sealed class SsoFixture : IAsyncLifetime
{
    public LoopbackOidcProvider Idp { get; private set; } = null!;
    public SsoRouterFactory Router { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public async ValueTask InitializeAsync()
    {
        Idp = await LoopbackOidcProvider.StartAsync();
        Router = new SsoRouterFactory(Idp.Issuer);
        Router.UseKestrel(0);
        Router.StartServer();
        Router.EnsureStarted();
        BaseUrl = Router.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::1]", "localhost").Replace("127.0.0.1", "localhost");
        await Idp.RegisterClientAsync(BaseUrl + "/signin-oidc");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh browser profile: no console cookie, no IdP session.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Router.DisposeAsync();
        await Idp.DisposeAsync();
    }
}

/// <summary>The test router with single sign-on settings added.</summary>
public sealed class SsoRouterFactory(string issuer) : RouterFactory
{
    public const string AdminGroup = "platform-admins";
    public const string FinanceGroup = "finance";
    public const string DeveloperGroup = "engineering";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Sso:Authority", issuer);
        builder.UseSetting("Sso:ClientId", LoopbackOidcProvider.ClientId);
        builder.UseSetting("Sso:ClientSecret", LoopbackOidcProvider.ClientSecret);
        builder.UseSetting("Sso:DisplayName", "Loopback IdP");
        builder.UseSetting("Sso:RequireHttpsMetadata", "false");
        builder.UseSetting("Sso:Scopes:0", "groups");
        builder.UseSetting("Sso:RoleClaim", "groups");
        builder.UseSetting("Sso:RoleMapping:Admin:0", AdminGroup);
        builder.UseSetting("Sso:RoleMapping:Finance:0", FinanceGroup);
        builder.UseSetting("Sso:RoleMapping:Developer:0", DeveloperGroup);
        builder.UseSetting("Sso:LocalPasswords", "false");
    }
}
