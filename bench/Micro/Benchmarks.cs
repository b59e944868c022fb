using System.Text;
using AgentRouter.Web.Billing;
using AgentRouter.Web.Data;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Keys;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using AgentRouter.Web.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentRouter.Bench;

/// <summary>Step 1: hash the presented key and find it in the snapshot (1,000 live keys).</summary>
[MemoryDiagnoser]
public class KeyLookup
{
    private PolicySnapshot _snapshot = PolicySnapshot.Empty;
    private string _key = "";

    [GlobalSetup]
    public void Setup()
    {
        var team = new TeamPolicy(Guid.NewGuid(), "bench", BillingMode.Central, []);
        var keys = Enumerable.Range(0, 1000).Select(_ => KeyMaterial.NewApiKey("bench")).ToList();
        _key = keys[500];
        _snapshot = new PolicySnapshot(keys.Select(k => new KeyGrant(Guid.NewGuid(), KeyMaterial.Hash(k), team, Guid.NewGuid(), null, null)), [team]);
    }

    [Benchmark]
    public KeyGrant? HashAndFind()
    {
        Span<char> hash = stackalloc char[64];
        return KeyMaterial.TryHash(_key, hash) ? _snapshot.FindKey(hash) : null;
    }
}

/// <summary>Steps 3 and 5: read a 100 kB Claude Code-like body, take its top-level facts, splice in the pinned model.</summary>
[MemoryDiagnoser]
public class ModelRewrite
{
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup() => _body = Bodies.ClaudeCodeLike(100 * 1024);

    [Benchmark]
    public async Task<int> ReadInspectRewrite100kB()
    {
        var context = new DefaultHttpContext();
        context.Request.Body = new MemoryStream(_body, writable: false);
        context.Request.ContentLength = _body.Length;
        var (body, _) = await RequestBody.ReadAsync(context.Request, 32 * 1024 * 1024, CancellationToken.None);
        using (body)
        {
            body!.Inspect(RequestSchema.Anthropic);
            body.Rewrite("claude-sonnet-4-5-20250929", requestStreamUsage: false);
            return body.Length;
        }
    }
}

/// <summary>Step 5: shaping the upstream request (credentials stripped and injected) and the response headers,
/// for a Claude Code-like set of request headers.</summary>
[MemoryDiagnoser]
public class ForwardTransform
{
    private readonly UpstreamAccount _account = new(Guid.NewGuid(), "Anthropic", new AgentRouter.Web.Providers.Anthropic.AnthropicAdapter(), "http://127.0.0.1:1", "sk-ant-bench-0000");
    private readonly UpstreamPlan _plan = new() { Url = "http://127.0.0.1:1/v1/messages", Headers = [new("x-api-key", "sk-ant-bench-0000")] };
    private DefaultHttpContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _context = new DefaultHttpContext();
        var headers = _context.Request.Headers;
        _context.Request.Method = "POST";
        headers["x-api-key"] = "ar_bench_0123456789012345678901234567890123456789012";
        headers["anthropic-version"] = "2023-06-01";
        headers["anthropic-beta"] = "claude-code-20250219,interleaved-thinking-2025-05-14";
        headers["content-type"] = "application/json";
        headers["user-agent"] = "claude-cli/2.0.0 (external, cli)";
        headers["x-app"] = "cli";
        headers["x-stainless-lang"] = "js";
        headers["x-stainless-retry-count"] = "0";
        headers["x-claude-code-session-id"] = "5b3c7f0e-0000-4000-8000-000000000000";
        headers["accept"] = "application/json";
        headers["accept-encoding"] = "gzip, deflate, br";
    }

    [Benchmark]
    public async Task<int> TransformRequest()
    {
        using var request = new HttpRequestMessage();
        var transformer = new UpstreamTransformer(_plan, _account, "req_0", ReadOnlyMemory<byte>.Empty);
        await transformer.TransformRequestAsync(_context, request, "http://127.0.0.1:1", CancellationToken.None);
        return request.Headers.NonValidated.Count;
    }
}

/// <summary>Step 6: the tap over a realistic streamed answer, one write per SSE event (50 events; reported per event).</summary>
[MemoryDiagnoser]
public class SseUsageTap
{
    private byte[][] _anthropic = [];
    private byte[][] _openAI = [];

    [GlobalSetup]
    public void Setup()
    {
        _anthropic = Bodies.AnthropicEvents();
        _openAI = Bodies.OpenAIEvents();
    }

    [Benchmark(OperationsPerInvoke = 50)]
    public Task<long> AnthropicPerEvent() => Tap(_anthropic, ApiDialect.Anthropic, withhold: false);

    [Benchmark(OperationsPerInvoke = 50)]
    public Task<long> OpenAIWithheldUsagePerEvent() => Tap(_openAI, ApiDialect.OpenAI, withhold: true);

    private static async Task<long> Tap(byte[][] events, ApiDialect dialect, bool withhold)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentType = "text/event-stream";
        var tap = new UsageTap(Stream.Null, context.Response, dialect, withhold);
        foreach (var e in events)
            await tap.WriteAsync(e);
        await tap.CompleteAsync(CancellationToken.None);
        return tap.Usage.Output;
    }
}

/// <summary>Step 7: handing a record to the writer (what a request waits for), and the writer's cost per stored record.</summary>
[MemoryDiagnoser]
public class UsageHandOff
{
    private string _directory = "";
    private UsageRecorder _recorder = null!;
    private readonly Guid _team = Guid.NewGuid(), _key = Guid.NewGuid();

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("agentrouter-micro-").FullName;
        var builder = new DbContextOptionsBuilder<AppDbContext>();
        StoreProvider.Use(builder, new DataOptions { ConnectionString = $"Data Source={Path.Combine(_directory, "bench.db")}" }, _directory);
        var factory = new Factory(builder.Options);
        using (var db = factory.CreateDbContext())
        {
            db.Database.OpenConnection();
            db.Database.ExecuteSqlRaw("PRAGMA journal_mode=WAL;");
            db.Database.Migrate();
        }
        _recorder = new UsageRecorder(factory, TimeProvider.System, NullLogger<UsageRecorder>.Instance);
        _recorder.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _recorder.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The request path's share: a bounded-channel write.</summary>
    [Benchmark]
    public ValueTask RecordAsync() => _recorder.RecordAsync(NewRecord());

    /// <summary>The writer's share, per record, under load: one batch of 500 records committed to SQLite.</summary>
    [Benchmark(OperationsPerInvoke = 500)]
    public Task PersistBatchOf500() => _recorder.PersistBatchAsync(Batch(500));

    /// <summary>A commit every 20 ms at ~1,600 requests/s: a batch of 32.</summary>
    [Benchmark(OperationsPerInvoke = 32)]
    public Task PersistBatchOf32() => _recorder.PersistBatchAsync(Batch(32));

    /// <summary>A quiet router: every record is its own batch and commit.</summary>
    [Benchmark]
    public Task PersistAlone() => _recorder.PersistBatchAsync(Batch(1));

    private List<UsageRecord> Batch(int count)
    {
        var batch = new List<UsageRecord>(count);
        for (var i = 0; i < count; i++)
            batch.Add(NewRecord());
        return batch;
    }

    private UsageRecord NewRecord() => new()
    {
        At = DateTimeOffset.UtcNow, RequestId = "req_" + Guid.CreateVersion7().ToString("N"), TeamId = _team, DeveloperId = _team,
        ApiKeyId = _key, Agent = "claude-code", Surface = "anthropic.messages", RequestedModel = "claude-sonnet-4-5",
        UpstreamModel = "claude-sonnet-4-5-20250929", Status = 200, InputTokens = 472, OutputTokens = 312, CacheReadTokens = 20480,
        CacheWriteTokens = 1024, CostUsd = 0.0123m, LatencyMs = 1, Streamed = true,
    };

    private sealed class Factory(DbContextOptions<AppDbContext> options) : IDbContextFactory<AppDbContext>
    {
        public AppDbContext CreateDbContext() => new(options);
    }
}

internal static class Bodies
{
    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>System blocks, tool definitions and a long conversation, model first, as Claude Code sends them.</summary>
    public static byte[] ClaudeCodeLike(int size)
    {
        var sb = new StringBuilder("""{"model":"claude-sonnet-4-5","max_tokens":32000,"stream":true,"system":[{"type":"text","text":"You are Claude Code.","cache_control":{"type":"ephemeral"}}],"tools":[""");
        for (var i = 0; i < 40; i++)
            sb.Append(i > 0 ? "," : "").Append($$$"""{"name":"tool_{{{i}}}","description":"Reads a file from the local filesystem.","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}}""");
        sb.Append("""],"messages":[""");
        for (var i = 0; sb.Length < size - 200; i++)
            sb.Append(i > 0 ? "," : "").Append($$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":[{"type":"text","text":"Step {{i}}: please refactor the handler, keep the \"tests\" green — ünïcödé. Step {{i}}: please refactor the handler, keep the tests green."}]}""");
        sb.Append("""],"metadata":{"user_id":"user_bench"}}""");
        return Utf8(sb.ToString());
    }

    public static byte[][] AnthropicEvents() =>
    [
        Utf8("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5-20250929\",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"cache_creation_input_tokens\":1024,\"cache_read_input_tokens\":20480,\"output_tokens\":2}}}\n\n"),
        Utf8("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"),
        Utf8("event: ping\ndata: {\"type\": \"ping\"}\n\n"),
        .. Enumerable.Range(0, 44).Select(i => Utf8($"event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"Token {i} of a streamed answer \"}}}}\n\n")),
        Utf8("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"),
        Utf8("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":312}}\n\n"),
        Utf8("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
    ];

    private const string Head = """{"id":"chatcmpl-B9M","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","system_fingerprint":"fp_fc9f1d7035""";

    /// <summary>As OpenAI streams when usage was asked for: every chunk carries "usage":null, the last one the numbers.</summary>
    public static byte[][] OpenAIEvents() =>
    [
        .. Enumerable.Range(0, 48).Select(i => Utf8("data: " + Head + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Token " + i + " \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n")),
        Utf8("data: " + Head + ",\"choices\":[],\"usage\":{\"prompt_tokens\":1117,\"completion_tokens\":46,\"total_tokens\":1163,\"prompt_tokens_details\":{\"cached_tokens\":1024},\"completion_tokens_details\":{\"reasoning_tokens\":12}}}\n\n"),
        Utf8("data: [DONE]\n\n"),
    ];
}

/// <summary>What telemetry adds to one request: the three spans the handler starts and the span attributes and
/// metrics set from the finished usage record: nothing listening (telemetry off), a meter provider with the Prometheus
/// reader (the default), and a tracer provider recording every span as well.</summary>
[MemoryDiagnoser]
public class TelemetryCost
{
    private GatewayTelemetry _telemetry = null!;
    private OpenTelemetry.Metrics.MeterProvider? _meters;
    private OpenTelemetry.Trace.TracerProvider? _tracer;
    private UsageRecord _record = null!;
    private UpstreamAccount _account = null!;
    private ApiSurface _surface = ApiSurface.AnthropicMessages;

    /// <summary>off: Telemetry:Enabled=false; metrics: the default without an OTLP endpoint; traces: spans recorded too.</summary>
    [Params("off", "metrics", "metrics+traces")]
    public string Mode { get; set; } = "off";

    [GlobalSetup]
    public void Setup()
    {
        var ledger = new AgentRouter.Web.Budgets.BudgetLedger(TimeProvider.System, Microsoft.Extensions.Options.Options.Create(new InvoiceOptions()), null!, NullLogger<AgentRouter.Web.Budgets.BudgetLedger>.Instance);
        _telemetry = new GatewayTelemetry(new PolicyCache(null!, null!, null!, ledger, NullLogger<PolicyCache>.Instance), ledger);
        _account = new UpstreamAccount(Guid.NewGuid(), "anthropic-prod", new AgentRouter.Web.Providers.Anthropic.AnthropicAdapter(), "https://api.anthropic.com", "sk-ant-x");
        _record = new UsageRecord
        {
            RequestId = "req_bench", Agent = "claude-code", Surface = "anthropic.messages", TeamId = Guid.NewGuid(), DeveloperId = Guid.NewGuid(),
            ApiKeyId = Guid.NewGuid(), RequestedModel = "claude-sonnet-4-5", UpstreamModel = "claude-sonnet-4-5-20250929", Status = 200,
            InputTokens = 1200, OutputTokens = 300, CacheReadTokens = 40_000, LatencyMs = 2300, TimeToFirstByteMs = 600, Streamed = true,
        };
        if (Mode != "off")
            _meters = OpenTelemetry.Sdk.CreateMeterProviderBuilder().AddMeter(RouterTelemetry.MeterName).AddPrometheusExporter().Build();
        if (Mode == "metrics+traces")
            _tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource(RouterTelemetry.SourceName).Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meters?.Dispose();
        _tracer?.Dispose();
    }

    [Benchmark]
    public void OneRequest()
    {
        using var span = RouterTelemetry.StartRequest(_surface);
        RouterTelemetry.EndBudgetAdmission(RouterTelemetry.StartBudgetAdmission(), AgentRouter.Web.Budgets.Admission.Unlimited);
        using (var upstream = RouterTelemetry.StartUpstream(_account, "https://api.anthropic.com/v1/messages"))
            RouterTelemetry.EndUpstream(upstream, Yarp.ReverseProxy.Forwarder.ForwarderError.None, 200);
        _telemetry.Completed(_record);
    }
}

/// <summary>The per-request log scope hosting opens (path, request id) through the redacting logger factory, with a
/// provider that keeps scopes, as the console and OpenTelemetry providers do. <c>EagerRedaction</c> is what opening it
/// cost before redaction moved to the first read; nearly every request's scope is never read.</summary>
[MemoryDiagnoser]
public class RequestLogScope
{
    private static readonly List<KeyValuePair<string, object?>> State =
    [
        new("RequestPath", "/v1/messages"), new("Path", "/v1/messages"), new("QueryString", ""),
        new("RequestId", "0HNH8E2J5B3KQ:00000001"), new("{OriginalFormat}", "RequestPath:{RequestPath} RequestId:{RequestId}"),
    ];

    private ILogger _logger = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(new ScopeKeepingProvider()))
            .AddLogRedaction()
            .BuildServiceProvider();
        _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");
    }

    [Benchmark(Baseline = true)]
    public void OpenAndClose()
    {
        using var scope = _logger.BeginScope(State);
    }

    [Benchmark]
    public object EagerRedaction() => new LogRedaction.RedactedState(State, State.ToString() ?? "");

    private sealed class ScopeKeepingProvider : ILoggerProvider, ISupportExternalScope
    {
        public ILogger CreateLogger(string categoryName) => NullLogger.Instance;
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) { }
        public void Dispose() { }
    }
}

/// <summary>The two steps every request passes before routing (request tracking and early-rejection answers, here as
/// pass-through steps) plus the security-header step, built both ways: the <c>(context, Func&lt;Task&gt;)</c> form the
/// pipeline used, which allocates a closure per step and request, and the <c>RequestDelegate</c> form it uses now.</summary>
[MemoryDiagnoser]
public class MiddlewareForm
{
    private RequestDelegate _closures = null!, _delegates = null!;
    private readonly DefaultHttpContext _context = new();

    [GlobalSetup]
    public void Setup()
    {
        _context.Request.Path = "/v1/messages";
        var closures = new ApplicationBuilder(new ServiceCollection().BuildServiceProvider());
        closures.Use((context, next) => Step(context, _ => next()));
        closures.Use((context, next) => Step(context, _ => next()));
        closures.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1"))
                context.Response.Headers.XFrameOptions = "DENY";
            await next();
        });
        _closures = closures.Build();
        var delegates = new ApplicationBuilder(new ServiceCollection().BuildServiceProvider());
        delegates.Use(next => context => Step(context, next));
        delegates.Use(next => context => Step(context, next));
        delegates.Use(next => context =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1"))
                context.Response.Headers.XFrameOptions = "DENY";
            return next(context);
        });
        _delegates = delegates.Build();
    }

    // The shape of InFlightRequests.TrackAsync and EarlyRejections.AfterAsync on a request that passes through.
    private static async Task Step(HttpContext context, RequestDelegate next) => await next(context);

    [Benchmark(Baseline = true)]
    public Task FuncOfTaskForm() => _closures(_context);

    [Benchmark]
    public Task RequestDelegateForm() => _delegates(_context);
}
