using System.Net;
using System.Text.RegularExpressions;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Console.Account;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Billing;

/// <summary>Finance and Admin read invoices and the attribution view; Developers and strangers do not; the jobs
/// dashboard is for Admins only. Signed in through the real login form, over HTTP.</summary>
public sealed partial class BillingAccessTests(RouterFactory router) : IClassFixture<RouterFactory>
{
    private const string Password = "a-long-enough-passphrase";

    [Theory]
    [InlineData(Roles.Finance)]
    [InlineData(Roles.Admin)]
    public async Task FinanceAndAdmin_ReadInvoicesAndAttribution(string role)
    {
        var client = await SignInAsync(role);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/admin/invoices/2025-01")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/admin/invoices/2025-01.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/finance/attribution.csv")).StatusCode);
        var finance = await client.GetStringAsync("/finance");
        Assert.Contains("Export CSV", finance);
        Assert.DoesNotContain("Your role does not give access", finance);
        Assert.Contains("billed (central)", await client.GetStringAsync("/invoices"));
    }

    [Fact]
    public async Task Developer_CannotReadInvoicesAttributionOrTheFinancePage()
    {
        var client = await SignInAsync(Roles.Developer);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/admin/invoices/2025-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/finance/attribution.csv")).StatusCode);
        var finance = await client.GetAsync("/finance");
        Assert.Equal(HttpStatusCode.Redirect, finance.StatusCode);
        Assert.StartsWith("/account/denied", finance.Headers.Location!.PathAndQuery);
        Assert.StartsWith("/account/denied", (await client.GetAsync("/invoices")).Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Finance_CannotUseTheRestOfTheAdminApi()
    {
        var client = await SignInAsync(Roles.Finance);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/admin/teams")).StatusCode);
    }

    [Fact]
    public async Task Anonymous_IsRefused()
    {
        var client = router.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/admin/invoices/2025-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/finance/attribution.csv")).StatusCode);
        var dashboard = await client.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
        Assert.StartsWith("/account/login", dashboard.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task JobsDashboard_IsForAdminsOnly()
    {
        var admin = await SignInAsync(Roles.Admin);
        var finance = await SignInAsync(Roles.Finance);

        var page = await admin.GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("usage-rollup", html);
        Assert.Contains("invoices", html);
        var refused = await finance.GetAsync("/jobs");
        Assert.True(refused.StatusCode is HttpStatusCode.Forbidden || refused.Headers.Location?.PathAndQuery.StartsWith("/account/denied") == true,
            $"Finance got {(int)refused.StatusCode} {refused.Headers.Location}");
    }

    [Fact]
    public async Task JobsDashboardStats_AnswerTheDashboardsPoll_WithoutAServerError()
    {
        var admin = await SignInAsync(Roles.Admin);
        var page = await (await admin.GetAsync("/jobs")).Content.ReadAsStringAsync();
        // The dashboard's script polls POST stats with the metrics it shows and its anti-forgery header.
        var csrfHeader = CsrfAttribute("header").Match(page).Groups[1].Value;
        var csrfToken = CsrfAttribute("token").Match(page).Groups[1].Value;
        using var poll = new HttpRequestMessage(HttpMethod.Post, "/jobs/stats")
        {
            Content = new FormUrlEncodedContent([new("metrics[]", "enqueued:count-or-null"), new("metrics[]", "failed:count-or-null"), new("metrics[]", "succeeded:count")]),
        };
        if (csrfHeader.Length > 0)
            poll.Headers.Add(csrfHeader, csrfToken);

        var stats = await admin.SendAsync(poll);
        var plain = await admin.GetAsync("/jobs/stats");

        var body = await stats.Content.ReadAsStringAsync();
        Assert.True(stats.StatusCode == HttpStatusCode.OK, $"POST /jobs/stats: {(int)stats.StatusCode} {body}");
        Assert.Contains("\"succeeded:count\"", body);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, plain.StatusCode);
        Assert.Equal("POST", plain.Content.Headers.Allow.Single());
    }

    private static Regex CsrfAttribute(string what) => new($"<meta name=\"csrf-{what}\" content=\"([^\"]*)\"");

    [Fact]
    public async Task AdminToken_ReadsInvoices()
    {
        Assert.Equal("preview", (await router.Admin().SendAsync(HttpMethod.Get, "/api/admin/invoices/2025-02"))["status"]!.GetValue<string>());
    }

    /// <summary>A console user with the role, signed in through the login form; the client keeps the cookie.</summary>
    private async Task<HttpClient> SignInAsync(string role)
    {
        router.EnsureStarted();
        var email = $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}@corp.example";
        var users = router.Services.GetRequiredService<ConsoleUsers>();
        var created = await users.CreateAsync(new CreateConsoleUserRequest(email, Password, role), new Actor("test", DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.True(created.Succeeded);

        var client = router.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var login = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(login).Groups[1].Value;
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email, ["password"] = Password, ["returnUrl"] = "/", ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        // Signing in from the front door lands each role on its own home.
        Assert.Equal(AgentRouter.Web.Console.ConsoleHome.For([role]), response.Headers.Location!.OriginalString);
        return client;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
