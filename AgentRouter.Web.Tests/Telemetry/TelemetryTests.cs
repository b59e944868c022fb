using System.Diagnostics;
using System.Net;
using AgentRouter.Web.Telemetry;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace AgentRouter.Web.Tests.Telemetry;

/// <summary>Spans and metrics, read back from the in-memory exporters by name and attribute. The router's meter and
/// activity source are process-wide, so every assertion picks this test's own team or request.</summary>
public sealed class TelemetryTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private TelemetryRouter Router => fixture.Router;

    private async Task<Activity> SpanAsync(string name, Func<Activity, bool> match)
    {
        // The request span ends as the handler returns, just after the answer is complete: poll briefly for it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            lock (Router.Spans)
            {
                if (Router.Spans.FirstOrDefault(a => a.OperationName == name && match(a)) is { } found)
                    return found;
            }
            Assert.True(DateTime.UtcNow < deadline, $"No {name} span arrived.");
            await Task.Delay(20);
        }
    }

    private List<MetricPoint> Points(string metric, string team)
    {
        Router.Services.GetRequiredService<MeterProvider>().ForceFlush();
        lock (Router.Metrics)
        {
            // Cumulative: the latest export of a metric holds everything so far.
            var latest = Router.Metrics.LastOrDefault(m => m.Name == metric);
            return latest is null ? [] : latest.MetricPoints.Where(p => (string?)Tag(p, "agentrouter.team") == team).ToList();
        }
    }

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key)
                return tag.Value;
        return null;
    }

    [Fact]
    public async Task AGatewayRequest_IsOneSpanWithGenAiAttributes_AndChildSpansForBudgetAndUpstream()
    {
        var s = await fixture.ScenarioAsync("traced", "anthropic-traced");
        s.Fake.Usage = new(12, 7);

        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var record = await Router.Usage.For(response);
        var span = await SpanAsync(RouterTelemetry.RequestSpan, a => (string?)a.GetTagItem("agentrouter.request.id") == record.RequestId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat traced", span.DisplayName);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("anthropic", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("traced", span.GetTagItem("gen_ai.request.model"));
        Assert.Equal("anthropic-traced", span.GetTagItem("gen_ai.response.model"));
        Assert.Equal(12L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(7L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(s.Slug, span.GetTagItem("agentrouter.team"));
        Assert.Equal(s.DeveloperId, span.GetTagItem("agentrouter.developer.id"));
        Assert.Equal(record.Agent, span.GetTagItem("agentrouter.agent"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        var budget = await SpanAsync(RouterTelemetry.BudgetSpan, a => a.ParentSpanId == span.SpanId);
        var upstream = await SpanAsync(RouterTelemetry.UpstreamSpan, a => a.ParentSpanId == span.SpanId);
        Assert.Equal(span.TraceId, budget.TraceId);
        Assert.Equal("admitted", budget.GetTagItem("agentrouter.budget.outcome"));
        Assert.Equal(ActivityKind.Client, upstream.Kind);
        Assert.Equal(new Uri(fixture.Anthropic.BaseUrl).Port, upstream.GetTagItem("server.port"));
        Assert.Equal(200, upstream.GetTagItem("http.response.status_code"));
        // The provider's credential or the caller's key never lands in a span.
        Assert.DoesNotContain(span.Tags.Concat(upstream.Tags), t => t.Value is { } v && (v.Contains("sk-ant") || v.Contains(s.Key)));
    }

    [Fact]
    public async Task TokenUsageDurationAndTimeToFirstChunk_AreRecordedWithGenAiAttributes()
    {
        var s = await fixture.ScenarioAsync("metered", "anthropic-metered");
        s.Fake.Usage = new(30, 11, CacheRead: 5);

        using (var plain = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName))))
            await Router.Usage.For(plain);
        using (var streamed = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName, stream: true))))
        {
            await streamed.Content.ReadAsStringAsync();
            await Router.Usage.For(streamed);
        }

        var tokens = Points("gen_ai.client.token.usage", s.Slug);
        var input = Assert.Single(tokens, p => (string?)Tag(p, "gen_ai.token.type") == "input");
        var output = Assert.Single(tokens, p => (string?)Tag(p, "gen_ai.token.type") == "output");
        Assert.Equal(2, input.GetHistogramCount());
        Assert.Equal(2 * 35, input.GetHistogramSum());
        Assert.Equal(2 * 11, output.GetHistogramSum());
        Assert.Equal("chat", Tag(input, "gen_ai.operation.name"));
        Assert.Equal("anthropic", Tag(input, "gen_ai.provider.name"));
        Assert.Equal("metered", Tag(input, "gen_ai.request.model"));
        Assert.Equal("anthropic-metered", Tag(input, "gen_ai.response.model"));

        var duration = Assert.Single(Points("gen_ai.client.operation.duration", s.Slug));
        Assert.Equal(2, duration.GetHistogramCount());
        Assert.Null(Tag(duration, "error.type"));
        // Only the streamed answer has a first chunk.
        Assert.Equal(1, Assert.Single(Points("gen_ai.client.operation.time_to_first_chunk", s.Slug)).GetHistogramCount());
    }

    [Fact]
    public async Task RefusalsAndUpstreamErrors_AreCountedByReasonAndAccount()
    {
        var s = await fixture.ScenarioAsync("counted", "anthropic-counted");
        using (var refused = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message("not-approved"))))
            await Router.Usage.For(refused);
        s.Fake.Failure = (500, """{"type":"error","error":{"type":"api_error","message":"boom"}}""");
        try
        {
            using var failed = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            await Router.Usage.For(failed);
        }
        finally
        {
            s.Fake.Failure = null;
        }

        var refusal = Assert.Single(Points("agentrouter.gateway.refusals", s.Slug));
        Assert.Equal("model_not_approved", Tag(refusal, "reason"));
        Assert.Equal(1, refusal.GetSumLong());

        Router.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var account = (await s.Admin.SendAsync(HttpMethod.Get, $"/api/admin/providers/{s.ProviderId}"))["name"]!.GetValue<string>();
        MetricSnapshot errors;
        lock (Router.Metrics)
            errors = Router.Metrics.Last(m => m.Name == "agentrouter.upstream.errors");
        var point = Assert.Single(errors.MetricPoints, p => (string?)Tag(p, "agentrouter.provider.account") == account);
        Assert.Equal("500", Tag(point, "error.type"));
        Assert.Equal(1, point.GetSumLong());
    }

    [Fact]
    public async Task BudgetUseAndTheWritersQueueAndBatches_AreObserved()
    {
        var s = await fixture.ScenarioAsync("budget-gauge", "anthropic-budget-gauge");
        s.Fake.Usage = new(60, 40);
        await s.Admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{s.TeamId}/profile", new { budgets = new[] { new { scope = "team", tokens = 1000, cadence = "daily" } } });
        using (var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName))))
            await Router.Usage.For(response);

        Assert.Equal(0.1, Assert.Single(Points("agentrouter.budget.utilization", s.Slug)).GetGaugeLastValueDouble(), 6);
        Assert.Equal(100, Assert.Single(Points("agentrouter.budget.tokens", s.Slug)).GetSumLong());
        lock (Router.Metrics)
        {
            var depth = Router.Metrics.Last(m => m.Name == "agentrouter.writer.queue.depth");
            Assert.Contains(depth.MetricPoints, p => (string?)Tag(p, "agentrouter.writer") == "usage records");
            var batches = Router.Metrics.Last(m => m.Name == "agentrouter.writer.batch.duration");
            Assert.Contains(batches.MetricPoints, p => (string?)Tag(p, "agentrouter.writer") == "usage records" && p.GetHistogramCount() > 0);
        }
    }
}
