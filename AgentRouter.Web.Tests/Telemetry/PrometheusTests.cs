using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using AgentRouter.Web.Telemetry;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Telemetry;

/// <summary><c>/metrics</c>: behind the admin token on the main port, open on <c>Metrics:Port</c>, and valid
/// Prometheus text by <c>promtool check metrics</c> (Debian's prometheus package; test.sh installs it).</summary>
public sealed class PrometheusTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private static async Task<string> PromtoolAsync(string exposition)
    {
        var promtool = Environment.GetEnvironmentVariable("AGENTROUTER_PROMTOOL") ?? "promtool";
        using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("promtool did not start");
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var report = await output + await error;
        Assert.True(process.ExitCode == 0, $"promtool check metrics failed ({process.ExitCode}):\n{report}");
        return report;
    }

    private async Task TrafficAsync()
    {
        var s = await fixture.ScenarioAsync("scraped", "anthropic-scraped");
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1_000_000, cadence = "monthly" } } });
        using (var ok = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true))))
        {
            await ok.Content.ReadAsStringAsync();
            await fixture.Router.Usage.For(ok);
        }
        using (var refused = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("unknown-model"))))
            await fixture.Router.Usage.For(refused);
    }

    [Fact]
    public async Task MainPortScrape_NeedsTheAdminToken_AndPassesPromtool()
    {
        await TrafficAsync();
        var client = fixture.Router.CreateClient();

        using (var anonymous = await client.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token") } })
        using (var refused = await client.SendAsync(wrong))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("gen_ai", await refused.Content.ReadAsStringAsync());
        }

        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", RouterFactory.AdminToken) } };
        using var response = await client.SendAsync(scrape);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("gen_ai_client_token_usage_bucket{", text);
        Assert.Contains("gen_ai_client_operation_duration_seconds_bucket{", text);
        Assert.Contains("gen_ai_client_operation_time_to_first_chunk_seconds_bucket{", text);
        Assert.Contains("agentrouter_gateway_refusals_total{", text);
        Assert.Contains("reason=\"model_not_approved\"", text);
        Assert.Contains("agentrouter_budget_utilization{", text);
        Assert.Contains("agentrouter_writer_queue_depth{", text);
        await PromtoolAsync(text);
    }

    [Fact]
    public async Task MetricsPort_ServesTheScrapeWithoutAuthentication_AndNothingElse()
    {
        await TrafficAsync();
        var address = fixture.Router.Services.GetRequiredService<MetricsListener>().Address;
        Assert.NotNull(address);
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        using var other = await http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("gen_ai_client_token_usage_bucket{", text);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        await PromtoolAsync(text);
    }
}
