using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Tests.Billing;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>The request log in Chromium (filters kept in the URL survive a reload) and an axe-core check of every
/// console page: no serious or critical accessibility violation.</summary>
public sealed class ConsoleDataTests(ConsoleDataTests.Store fixture) : IClassFixture<ConsoleDataTests.Store>
{
    private const string Password = ConsoleFlowTests.Password;

    /// <summary>The browser fixture plus a month of generated usage, rolled up, an Admin and a Developer who signs in.</summary>
    public sealed class Store : IAsyncLifetime
    {
        public BrowserFixture Browser { get; } = new();
        public UsageData Data { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            await Browser.InitializeAsync();
            var services = Browser.Router.Services;
            var now = Browser.Router.Clock.GetUtcNow();
            Data = await UsageData.GenerateAsync(services, new DateOnly(now.Year, now.Month, 1), count: 400, seed: 51);
            await services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
            var users = services.GetRequiredService<ConsoleUsers>();
            var actor = new Actor("test", now);
            Assert.True((await users.CreateAsync(new CreateConsoleUserRequest("axe-admin@corp.example", Password, Roles.Admin), actor, CancellationToken.None)).Succeeded);
            // The developer signs in with the email of a generated developer: My access finds them by it.
            Assert.True((await users.CreateAsync(new CreateConsoleUserRequest(Data.Developers[0].Email, Password, Roles.Developer), actor, CancellationToken.None)).Succeeded);
        }

        public ValueTask DisposeAsync() => Browser.DisposeAsync();
    }

    private async Task<IPage> SignInAsync(string email)
    {
        var page = await fixture.Browser.NewPageAsync();
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
        return page;
    }

    [Fact]
    public async Task RequestLog_FiltersAreKeptInTheUrl_AndSurviveAReload()
    {
        var team = fixture.Data.Teams[1];
        var page = await SignInAsync("axe-admin@corp.example");

        // A shared link: period and team from the URL.
        await BrowserFixture.OpenAsync(page, $"/requests?last=30d&team={team.Id}");
        await Assertions.Expect(page.Locator("[data-testid=request-row]").First).ToBeVisibleAsync();
        await SelectShowsAsync(page, "filter-team", team.Name);

        // A filter picked in the page goes into the URL.
        await page.Locator("[data-testid=filter-status]").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Failed (400 and above)" }).ClickAsync();
        await SelectShowsAsync(page, "filter-status", "Failed (400 and above)");
        // The page rewrites its URL in place (history.replaceState): poll the URL rather than wait for a navigation's load.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("status=failed"));
        Assert.Contains($"team={team.Id}", page.Url);

        await page.ReloadAsync();
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        await SelectShowsAsync(page, "filter-status", "Failed (400 and above)");
        await SelectShowsAsync(page, "filter-team", team.Name);
        var rows = page.Locator("[data-testid=request-row]");
        var expected = fixture.Data.Records.Count(r => r.TeamId == team.Id && r.Status >= 400 && r.At >= fixture.Browser.Router.Clock.GetUtcNow().AddDays(-30));
        await Assertions.Expect(rows).ToHaveCountAsync(Math.Min(expected, 50));
        foreach (var text in await rows.AllInnerTextsAsync())
            Assert.Contains(team.Name, text);
        Assert.Contains("status=failed", await page.Locator("[data-testid=request-log-csv]").GetAttributeAsync("href"));

        // The drawer shows every field of the record.
        await rows.First.ClickAsync();
        var detail = page.Locator("[data-testid=request-detail]");
        await Assertions.Expect(detail.Locator("[data-field=request_id]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(detail.Locator("[data-field=team_name]")).ToHaveTextAsync(team.Name);
        await Assertions.Expect(detail.Locator("[data-field=time_to_first_byte_ms]")).ToHaveCountAsync(1);
    }

    /// <summary>Waits until a MudSelect (its combobox carries the test id) shows a value.</summary>
    private static Task SelectShowsAsync(IPage page, string testId, string text) =>
        Assertions.Expect(page.Locator($"[data-testid={testId}][role=combobox]")).ToHaveTextAsync(text);

    [Fact]
    public async Task Developer_SeesOnlyTheirOwnRequests_OnMyAccess()
    {
        var developer = fixture.Data.Developers[0];
        var page = await SignInAsync(developer.Email);

        await BrowserFixture.OpenAsync(page, "/me?last=30d");

        var rows = page.Locator("[data-testid=request-row]");
        var own = fixture.Data.Records.Count(r => r.DeveloperId == developer.Id && r.At >= fixture.Browser.Router.Clock.GetUtcNow().AddDays(-30));
        await Assertions.Expect(rows).ToHaveCountAsync(Math.Min(own, 25));
        await Assertions.Expect(page.Locator("[data-testid=filter-team]")).ToHaveCountAsync(0);
        var csv = await page.APIRequest.GetAsync("/api/requests.csv?last=30d&developer=" + fixture.Data.Developers[1].Id);
        Assert.Equal(200, csv.Status);
        // The filter for someone else is replaced by their own id: only their rows come back.
        Assert.Equal(own + 1, (await csv.TextAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    public static TheoryData<string, string> Pages => new()
    {
        { "admin", "/" }, { "admin", "/finance" }, { "admin", "/invoices" }, { "admin", "/teams" }, { "admin", "/teams/{team}" },
        { "admin", "/developers" }, { "admin", "/developers/{developer}" }, { "admin", "/keys" }, { "admin", "/requests?last=30d" },
        { "admin", "/providers" }, { "admin", "/catalog" }, { "admin", "/mcp-servers" }, { "admin", "/audit" }, { "admin", "/settings" },
        { "developer", "/me?last=30d" }, { "anonymous", "/account/login" }, { "anonymous", "/account/setup" },
    };

    /// <summary>The smaller of the two screens the console is made for, in light mode and then in dark mode as the
    /// operating system asks for it (the console follows the system setting until someone picks one): nothing makes
    /// the page scroll sideways, the dark palette is applied, and axe finds nothing serious or critical in it.</summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_FitsAt1280x720_InLightAndDarkMode_AndReadsInDarkMode(string who, string path)
    {
        path = path.Replace("{team}", fixture.Data.Teams[0].Id.ToString()).Replace("{developer}", fixture.Data.Developers[0].Id.ToString());
        var page = who switch
        {
            "admin" => await SignInAsync("axe-admin@corp.example"),
            "developer" => await SignInAsync(fixture.Data.Developers[0].Email),
            _ => await fixture.Browser.NewPageAsync(),
        };
        await page.SetViewportSizeAsync(1280, 720);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        if (who == "anonymous")
            await page.GotoAsync(path);
        else
            await BrowserFixture.OpenAsync(page, path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await AssertNoSidewaysScrollAsync(page, $"{path} (light, 1280×720)");

        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        if (who != "anonymous")
            await page.WaitForFunctionAsync(DarkBackground);
        await AssertNoSidewaysScrollAsync(page, $"{path} (dark, 1280×720)");
        var results = await page.RunAxe();

        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{path} (dark): " + string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Take(5).Select(n => n.Target + " " + n.Html))}")));
    }

    /// <summary>True once the page's background is dark (relative luminance of the body's colour, 0–255).</summary>
    private const string DarkBackground = """
        () => {
          const rgb = getComputedStyle(document.body).backgroundColor.match(/\d+(\.\d+)?/g);
          return rgb !== null && 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] < 64;
        }
        """;

    private static async Task AssertNoSidewaysScrollAsync(IPage page, string what)
    {
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if (overflow <= 1)
            return;
        // The outermost elements that reach past the window, to say what to fix.
        var culprits = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                        && !(e.parentElement && e.parentElement.getBoundingClientRect().right > document.documentElement.clientWidth + 1))
              .slice(0, 5)
              .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (${Math.round(e.getBoundingClientRect().width)} px) in ` +
                 [e.parentElement, e.parentElement?.parentElement, e.parentElement?.parentElement?.parentElement].filter(p => p)
                   .map(p => `${p.tagName.toLowerCase()}.${[...p.classList].join('.')} [${getComputedStyle(p).overflowX}, ${Math.round(p.getBoundingClientRect().width)} px]`).join(' < '))
            """);
        Assert.Fail($"{what} scrolls sideways by {overflow} px: {string.Join(", ", culprits)}");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_HasNoSeriousOrCriticalAccessibilityViolation(string who, string path)
    {
        path = path.Replace("{team}", fixture.Data.Teams[0].Id.ToString()).Replace("{developer}", fixture.Data.Developers[0].Id.ToString());
        var page = who switch
        {
            "admin" => await SignInAsync("axe-admin@corp.example"),
            "developer" => await SignInAsync(fixture.Data.Developers[0].Email),
            _ => await fixture.Browser.NewPageAsync(),
        };
        if (who == "anonymous")
            await page.GotoAsync(path);
        else
            await BrowserFixture.OpenAsync(page, path);
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        var results = await page.RunAxe();

        var serious = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{path}: " + string.Join("\n", serious.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Take(5).Select(n => n.Target + " " + n.Html))}")));
    }
}
