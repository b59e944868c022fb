using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>The router on a real loopback port, a fake Anthropic upstream, and Debian's Chromium driven by Playwright.</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Playwright must use the system browser, never download its own.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("AGENTROUTER_CHROMIUM") ?? "/usr/bin/chromium";

    public BrowserFixture() : this(new RouterFactory()) { }

    /// <summary>With a router the test configured further (a subclass of <see cref="RouterFactory"/>).</summary>
    internal BrowserFixture(RouterFactory router) => Router = router;

    public RouterFactory Router { get; }
    public FakeProvider Anthropic { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    public async ValueTask InitializeAsync()
    {
        Anthropic = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        Router.UseKestrel(0);
        Router.StartServer();
        Router.EnsureStarted();
        BaseUrl = Router.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://", StringComparison.Ordinal)).Replace("[::1]", "localhost").Replace("127.0.0.1", "localhost");
        _playwright = await Playwright.CreateAsync();
        // Expectations wait as long as actions do: on a loaded 2-core machine a circuit round trip can pass 5 s.
        Assertions.SetDefaultExpectTimeout(15_000);
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Running as root in CI; no background traffic toward hosts this machine cannot reach.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        // Browser-side errors explain most failures of a Blazor page; keep them for the assertion message.
        page.Console += (_, message) => { if (message.Type is "error" or "warning") BrowserLog.Enqueue(message.Text); };
        page.PageError += (_, error) => BrowserLog.Enqueue(error);
        return page;
    }

    /// <summary>Navigates and waits until the console is interactive (prerendered HTML does not answer clicks).</summary>
    public static async Task OpenAsync(IPage page, string path)
    {
        await page.GotoAsync(path);
        try
        {
            await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{path} never became interactive. Browser said: {string.Join(" | ", BrowserLog)}", ex);
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentQueue<string> BrowserLog = new();

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Router.DisposeAsync();
        await Anthropic.DisposeAsync();
    }
}
