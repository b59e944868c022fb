using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Microsoft.Playwright;

namespace AgentRouter.Bench.Console;

/// <summary>Time to interactive in Debian's Chromium (never a downloaded browser): from navigation to the page's own
/// content shown and the Blazor circuit answering (the console marks its layout <c>data-interactive</c> once it does).
/// Signs in as the first Admin, created through the set-up form with the admin token in <c>AGENTROUTER_ADMIN_TOKEN</c>
/// (or signs in with the same credentials when an earlier run created it).</summary>
internal static class Browser
{
    private const string Email = "bench@bench.example";
    private const string Password = "bench-password-0123";

    public static async Task<List<(string Page, double Median, double Max)>> RunAsync(string path, string baseUrl, int runs)
    {
        var token = Environment.GetEnvironmentVariable("AGENTROUTER_ADMIN_TOKEN") ?? throw new InvalidOperationException("AGENTROUTER_ADMIN_TOKEN is not set");
        string team;
        await using (var sqlite = new SqliteConnection($"Data Source={path};Mode=ReadOnly"))
        {
            await sqlite.OpenAsync();
            await using var command = sqlite.CreateCommand();
            command.CommandText = "SELECT Id FROM Teams ORDER BY Name LIMIT 1";
            team = ((string)(await command.ExecuteScalarAsync())!).ToLowerInvariant();
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("AGENTROUTER_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = new() { Width = 1440, Height = 900 } });
        context.SetDefaultTimeout(120_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/setup");
        if (await page.GetByLabel("Admin API token").CountAsync() > 0)
        {
            await page.GetByLabel("Admin API token").FillAsync(token);
            await page.GetByLabel("Your email").FillAsync(Email);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button).Last.ClickAsync();
        }
        else
        {
            await page.GotoAsync("/account/login");
            await page.GetByLabel("Email").FillAsync(Email);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        }
        await page.WaitForURLAsync(url => !url.Contains("/account/"));

        (string Name, string Path, string Ready)[] pages =
        [
            ("Overview", "/", "[data-testid=chart-tokens]"),
            ("Finance", "/finance", "[data-testid=chart-spend]"),
            ("Team page", $"/teams/{team}", "[data-testid=add-developer]"),
            ("Request log", "/requests", "[data-testid=request-row]"),
        ];
        var results = new List<(string, double, double)>();
        System.Console.WriteLine($"{"page",-16} {"median ms",10} {"max ms",8}   (runs after one warm-up: {runs})");
        foreach (var (name, url, ready) in pages)
        {
            var times = new List<double>();
            for (var i = 0; i <= runs; i++)
            {
                var watch = Stopwatch.StartNew();
                await page.GotoAsync(url, new() { WaitUntil = WaitUntilState.Commit });
                await page.Locator(ready).First.WaitForAsync();
                await page.Locator("[data-interactive]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                if (i > 0)
                    times.Add(watch.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            results.Add((name, times[times.Count / 2], times[^1]));
            System.Console.WriteLine($"{name,-16} {times[times.Count / 2],10:F0} {times[^1],8:F0}   [{string.Join(", ", times.Select(t => t.ToString("F0")))}]");
        }
        return results;
    }
}
