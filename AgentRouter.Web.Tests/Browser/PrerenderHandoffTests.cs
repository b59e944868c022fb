using System.Data.Common;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Billing;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>The console prerenders each page and then renders it again when the circuit starts. Overview, Finance, the
/// request log and a team's page read once per page view (the prerender's result is handed to the interactive render),
/// and read again when a filter changes. The store logs every command; the expected count of commands on the tables a page
/// reads is what the page's own read-model calls cost when made directly.</summary>
public sealed class PrerenderHandoffTests(PrerenderHandoffTests.Store fixture) : IClassFixture<PrerenderHandoffTests.Store>
{
    private const string Password = ConsoleFlowTests.Password;
    private const string Email = "handoff-admin@corp.example";

    public sealed class Store : IAsyncLifetime
    {
        public CountingRouter Router { get; } = new();
        public BrowserFixture Browser { get; }
        public UsageData Data { get; private set; } = null!;

        public Store() => Browser = new BrowserFixture(Router);

        public async ValueTask InitializeAsync()
        {
            await Browser.InitializeAsync();
            var services = Router.Services;
            var now = Router.Clock.GetUtcNow();
            Data = await UsageData.GenerateAsync(services, new DateOnly(now.Year, now.Month, 1), count: 300, seed: 77);
            await services.GetRequiredService<UsageRollupJob>().RunAsync(CancellationToken.None);
            var users = services.GetRequiredService<ConsoleUsers>();
            Assert.True((await users.CreateAsync(new CreateConsoleUserRequest(Email, Password, Roles.Admin), new Actor("test", now), CancellationToken.None)).Succeeded);
        }

        public ValueTask DisposeAsync() => Browser.DisposeAsync();
    }

    /// <summary>The router with every usage-reading command counted.</summary>
    public sealed class CountingRouter : RouterFactory
    {
        public Commands Reads { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureServices(services => services.ConfigureDbContext<AppDbContext>(db => db.AddInterceptors(Reads)));
        }
    }

    /// <summary>Every command that read through a data reader, by text.</summary>
    public sealed class Commands : DbCommandInterceptor
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _texts = new();

        /// <summary>How many commands so far mentioned any of these tables.</summary>
        public int Count(IReadOnlyList<string> tables) => _texts.Count(text => tables.Any(t => text.Contains($"\"{t}\"", StringComparison.Ordinal)));

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            _texts.Enqueue(command.CommandText);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            _texts.Enqueue(command.CommandText);
            return ValueTask.FromResult(result);
        }
    }

    /// <summary>The usage records and every roll-up level.</summary>
    private static readonly string[] UsageTables = ["Usage", "UsageRollupsDaily", "UsageRollupsMonthly", "UsageRollups", "LatencyRollupsHourly", "McpCalls"];

    private IServiceProvider Services => fixture.Router.Services;
    private Commands Reads => fixture.Router.Reads;
    private DateTimeOffset Now => fixture.Router.Clock.GetUtcNow();

    /// <summary>How many commands reading these tables (the usage tables by default) <paramref name="read"/> issues.</summary>
    private async Task<int> CountAsync(Func<Task> read, IReadOnlyList<string>? tables = null)
    {
        var before = Reads.Count(tables ?? UsageTables);
        await read();
        return Reads.Count(tables ?? UsageTables) - before;
    }

    /// <summary>Signs in and waits until the landing page (Overview) is interactive, so its reads are behind us.</summary>
    private async Task<IPage> SignInAsync()
    {
        var page = await fixture.Browser.NewPageAsync();
        await page.SetViewportSizeAsync(1440, 900);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(Email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login"));
        await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("[data-testid=latency-panel]")).ToBeVisibleAsync();
        return page;
    }

    [Fact]
    public async Task Overview_ReadsUsageOncePerPageView_AndAgainForAnotherPeriod()
    {
        var (overview, latency) = (Services.GetRequiredService<AgentRouter.Web.Console.ConsoleQueries>(), Services.GetRequiredService<LatencyQueries>());
        var view = await CountAsync(async () =>
        {
            await overview.OverviewAsync(CancellationToken.None);
            await latency.ReportAsync(Now.AddHours(-24), Now, LatencyGrouping.Model, CancellationToken.None);
        });
        var change = await CountAsync(() => latency.ReportAsync(Now.AddDays(-14), Now, LatencyGrouping.Model, CancellationToken.None));
        Assert.True(view > 0 && change > 0);
        var page = await SignInAsync();

        var before = Reads.Count(UsageTables);
        await BrowserFixture.OpenAsync(page, "/");
        await Assertions.Expect(page.Locator("[data-testid='This month-requests']")).Not.ToBeEmptyAsync();
        // A change after load still reads: the latency panel's 14 days.
        await page.Locator("[data-testid=latency-panel]").GetByText("14 days").ClickAsync();
        await WaitForAsync(() => Reads.Count(UsageTables) - before >= view + change);

        Assert.Equal(view + change, Reads.Count(UsageTables) - before);
    }

    [Fact]
    public async Task Finance_ReadsUsageOncePerPageView_AndAgainWhenAFilterChanges()
    {
        var queries = Services.GetRequiredService<AttributionQueries>();
        var calendar = Services.GetRequiredService<BillingCalendar>();
        var team = fixture.Data.Teams[1];
        var from = new DateOnly(calendar.DayOf(Now).Year, calendar.DayOf(Now).Month, 1);
        var filter = new AttributionQuery(from, calendar.DayOf(Now), null, null, null, null, null).ToFilter(calendar, fixture.Router.Clock)!;
        var view = await CountAsync(async () =>
        {
            await queries.ChoicesAsync(CancellationToken.None);
            await queries.ReportAsync(filter, CancellationToken.None);
            await queries.ToolCallsAsync(filter, CancellationToken.None);
        });
        var teamFilter = filter with { TeamId = team.Id };
        var change = await CountAsync(async () =>
        {
            await queries.ReportAsync(teamFilter, CancellationToken.None);
            await queries.ToolCallsAsync(teamFilter, CancellationToken.None);
        });
        var teamRequests = (await queries.ReportAsync(teamFilter, CancellationToken.None)).Totals.Requests;
        var page = await SignInAsync();

        // Filters from the URL still apply: the period comes from it.
        var before = Reads.Count(UsageTables);
        await BrowserFixture.OpenAsync(page, $"/finance?from={filter.From:yyyy-MM-dd}&to={filter.To:yyyy-MM-dd}");
        await Assertions.Expect(page.Locator("[data-testid=total-requests]")).Not.ToBeEmptyAsync();
        await page.Locator("[data-testid=filter-team]").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = team.Name }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"teamId={team.Id}"));
        await Assertions.Expect(page.Locator("[data-testid=total-requests]")).ToHaveTextAsync(teamRequests.ToString("N0", System.Globalization.CultureInfo.CurrentCulture));
        await WaitForAsync(() => Reads.Count(UsageTables) - before >= view + change);

        Assert.Equal(view + change, Reads.Count(UsageTables) - before);
    }

    [Fact]
    public async Task RequestLog_ReadsUsageOncePerPageView_AndAgainWhenAFilterChanges()
    {
        var queries = Services.GetRequiredService<RequestLogQueries>();
        var filter = new RequestLogFilter(Last: "30d");
        var view = await CountAsync(async () =>
        {
            await queries.ChoicesAsync(null, CancellationToken.None);
            await queries.PageAsync(filter, null, 50, CancellationToken.None);
        });
        var change = await CountAsync(() => queries.PageAsync(filter with { Status = "failed" }, null, 50, CancellationToken.None));
        var failed = (await queries.PageAsync(filter with { Status = "failed" }, null, 50, CancellationToken.None)).Rows.Count;
        var page = await SignInAsync();

        var before = Reads.Count(UsageTables);
        await BrowserFixture.OpenAsync(page, "/requests?last=30d");
        await Assertions.Expect(page.Locator("[data-testid=request-row]").First).ToBeVisibleAsync();
        await page.Locator("[data-testid=filter-status]").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Failed (400 and above)" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("status=failed"));
        await Assertions.Expect(page.Locator("[data-testid=request-row]")).ToHaveCountAsync(failed);
        // Both periods may fill a page: the rows alone do not tell that the filtered page has been read.
        await WaitForAsync(() => Reads.Count(UsageTables) - before >= view + change);

        Assert.Equal(view + change, Reads.Count(UsageTables) - before);
    }

    [Fact]
    public async Task TeamPage_ReadsOncePerPageView()
    {
        // The team page reads no usage; its profile history (the audit log) and keys stand for its reads.
        string[] tables = ["AuditEvents", "ApiKeys"];
        var team = fixture.Data.Teams[0];
        var queries = Services.GetRequiredService<AgentRouter.Web.Console.ConsoleQueries>();
        var view = await CountAsync(async () =>
        {
            await queries.KeysAsync(new AgentRouter.Web.Console.GridQuery(0, 500), team.Id, null, CancellationToken.None);
            await queries.ProfileHistoryAsync(team.Id, CancellationToken.None);
        }, tables);
        Assert.True(view > 0);
        var page = await SignInAsync();

        var before = Reads.Count(tables);
        await BrowserFixture.OpenAsync(page, $"/teams/{team.Id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = team.Name })).ToBeVisibleAsync();
        Assert.Equal(view, Reads.Count(tables) - before);
    }

    /// <summary>Bounded polling of a condition: what a page shows can settle before its last read has been counted (the
    /// latency panel shows its new period first; two periods may fill the same number of rows).</summary>
    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition() && DateTime.UtcNow < deadline)
            await Task.Delay(10);
    }
}
