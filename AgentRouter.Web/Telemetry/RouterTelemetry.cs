using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRouter.Web.Budgets;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Telemetry;

/// <summary>The router's spans and instruments. With no listener (telemetry off, or no trace exporter), starting a
/// span returns null and recording a measurement is a no-op check, so the gateway pays next to nothing.</summary>
public static class RouterTelemetry
{
    public const string SourceName = "AgentRouter.Gateway";
    public const string MeterName = "AgentRouter";

    /// <summary>The span of one gateway request; <see cref="GatewayTelemetry"/> completes it from the usage record.</summary>
    public const string RequestSpan = "agentrouter.gateway.request";
    public const string BudgetSpan = "agentrouter.budget.admit";
    public const string UpstreamSpan = "agentrouter.upstream";

    public static readonly ActivitySource Source = new(SourceName);
    public static readonly Meter Meter = new(MeterName);

    // Bucket boundaries the GenAI semantic conventions recommend.
    private static readonly long[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] SecondsBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    public static readonly Histogram<long> TokenUsage = Meter.CreateHistogram<long>("gen_ai.client.token.usage", "{token}",
        "Input and output tokens per request, as the provider reported them.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = TokenBuckets });

    public static readonly Histogram<double> OperationDuration = Meter.CreateHistogram<double>("gen_ai.client.operation.duration", "s",
        "Duration of a gateway request, from arrival to the last byte of the answer.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Histogram<double> TimeToFirstChunk = Meter.CreateHistogram<double>("gen_ai.client.operation.time_to_first_chunk", "s",
        "Time from a streamed request's arrival to the first chunk of its answer.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    public static readonly Counter<long> Refusals = Meter.CreateCounter<long>("agentrouter.gateway.refusals", "{request}",
        "Requests the gateway refused itself, by reason (budget_exceeded, rate_limited, model_not_approved, ...).");

    public static readonly Counter<long> UpstreamErrors = Meter.CreateCounter<long>("agentrouter.upstream.errors", "{request}",
        "Requests whose provider account failed: unreachable, timed out, broke mid-answer, or answered 429 or 5xx.");

    public static readonly Counter<long> BudgetTokens = Meter.CreateCounter<long>("agentrouter.budget.tokens", "{token}",
        "Tokens counted against a team's budgets.");

    public static readonly Histogram<double> WriterBatchDuration = Meter.CreateHistogram<double>("agentrouter.writer.batch.duration", "s",
        "Time to write one batch of records to the store.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Team-pool budgets' use of their current window, 0-1 (past 1 in warn mode).</summary>
    public static readonly ObservedGauge<double> BudgetUtilization = new("agentrouter.budget.utilization", "1",
        "How far each team-pool budget is into its current window: the larger of its token and USD fractions.");

    /// <summary>Records accepted but not yet written, per writer.</summary>
    public static readonly ObservedGauge<long> WriterQueueDepth = new("agentrouter.writer.queue.depth", "{record}",
        "Records waiting in a batched writer's queue for the store.");

    /// <summary>Starts the span of one gateway request (null when nobody listens).</summary>
    public static Activity? StartRequest(ApiSurface surface)
    {
        var activity = Source.StartActivity(RequestSpan, ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", OperationName(surface.Name));
        return activity;
    }

    public static Activity? StartBudgetAdmission() => Source.StartActivity(BudgetSpan, ActivityKind.Internal);

    public static void EndBudgetAdmission(Activity? span, Admission admission)
    {
        if (span is null)
            return;
        if (span.IsAllDataRequested)
        {
            span.SetTag("agentrouter.budget.outcome", admission.Refusal is not null ? "refused" : admission.OverBudget ? "over_budget" : "admitted");
            if (admission.RemainingTokens is { } tokens)
                span.SetTag("agentrouter.budget.remaining_tokens", tokens);
            if (admission.Refusal is not null)
                span.SetStatus(ActivityStatusCode.Error, "budget_exceeded");
        }
        span.Dispose();
    }

    /// <summary>Starts the span of the call to the provider (client kind: the gateway is the provider's client).</summary>
    public static Activity? StartUpstream(UpstreamAccount account, string url)
    {
        var span = Source.StartActivity(UpstreamSpan, ActivityKind.Client);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("gen_ai.provider.name", account.Adapter.TelemetryName);
            span.SetTag("agentrouter.provider.account", account.Name);
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                span.SetTag("server.address", uri.Host);
                span.SetTag("server.port", uri.Port);
                span.SetTag("url.full", uri.GetLeftPart(UriPartial.Path));
            }
        }
        return span;
    }

    public static void EndUpstream(Activity? span, ForwarderError error, int status)
    {
        if (span is not { IsAllDataRequested: true })
            return;
        span.SetTag("http.response.status_code", status);
        if (error != ForwarderError.None)
        {
            span.SetTag("error.type", error.ToString());
            span.SetStatus(ActivityStatusCode.Error);
        }
        else if (status >= 500)
            span.SetStatus(ActivityStatusCode.Error);
    }

    /// <summary>The GenAI <c>gen_ai.operation.name</c> of a surface.</summary>
    public static string OperationName(string surface) => surface switch
    {
        "anthropic.messages" or "openai.chat" => "chat",
        "gemini.generate" or "gemini.stream" => "generate_content",
        _ => "count_tokens",
    };

}

/// <summary>An observable gauge whose values come from whoever registered a source (each host's writers and
/// ledgers); sources leave when their host stops.</summary>
public sealed class ObservedGauge<T> where T : struct
{
    private readonly Lock _gate = new();
    private Func<IEnumerable<Measurement<T>>>[] _sources = [];

    public ObservedGauge(string name, string unit, string description) =>
        RouterTelemetry.Meter.CreateObservableGauge(name, Observe, unit, description);

    public IDisposable Observe(Func<IEnumerable<Measurement<T>>> source)
    {
        lock (_gate)
            _sources = [.. _sources, source];
        return new Registration(this, source);
    }

    private IEnumerable<Measurement<T>> Observe() => Volatile.Read(ref _sources).SelectMany(s => s());

    private sealed class Registration(ObservedGauge<T> gauge, Func<IEnumerable<Measurement<T>>> source) : IDisposable
    {
        public void Dispose()
        {
            lock (gauge._gate)
                gauge._sources = gauge._sources.Where(s => s != source).ToArray();
        }
    }
}
