using System.Buffers;
using System.Globalization;
using System.Text;
using AgentRouter.Web.Budgets;

namespace AgentRouter.Web.Pricing;

/// <summary>Tells the client what its request cost and what is left of its budget: as response headers when the
/// answer is a single JSON document (held back until its usage is read, which a client cannot use before the end
/// anyway), and on streams, whose headers leave before usage is known, as HTTP trailers where the client accepts
/// them plus, always, a final SSE comment line (<c>: x-agentrouter-cost-usd=0.0123</c>) that SSE parsers ignore.</summary>
public sealed class CostReport
{
    public const string CostHeader = "x-agentrouter-cost-usd";
    public const string BudgetHeader = "x-agentrouter-budget-remaining";

    /// <summary>Largest non-streamed answer held back for its cost headers; a larger one passes through and reports in trailers.</summary>
    private const int MaxHold = 16 * 1024 * 1024;

    private readonly HttpContext _context;
    private HoldingStream? _hold;
    private bool _forwarding;
    private string? _cost;
    private string? _budget;
    private bool _trailers;

    private CostReport(HttpContext context) => _context = context;

    /// <summary>Registers the report on a response; call before anything is written.</summary>
    public static CostReport Attach(HttpContext context)
    {
        var report = new CostReport(context);
        context.Features.Set(report);
        context.Response.OnStarting(static state => ((CostReport)state).OnStarting(), report);
        return report;
    }

    /// <summary>The report attached to a request.</summary>
    public static CostReport Of(HttpContext context) => context.Features.Get<CostReport>() ?? throw new InvalidOperationException("No cost report is attached to this request.");

    /// <summary>What is left of the budget before the request is settled (shown on answers the gateway refuses).</summary>
    public void Admitted(Admission admission) => _budget = Remaining(admission, 0, 0);

    /// <summary>Wraps the body the forwarder writes to. A non-streamed answer is held until <see cref="CompleteAsync"/>.</summary>
    public Stream Wrap(Stream clientBody, bool streamedRequest)
    {
        _forwarding = true;
        return streamedRequest ? clientBody : _hold = new HoldingStream(clientBody);
    }

    /// <summary>Reports the request's cost: releases a held answer with its headers, or ends a stream with the comment
    /// line and trailers. A failed answer releases nothing it held (the forwarder has already aborted it).</summary>
    public async Task CompleteAsync(decimal costUsd, Admission admission, long tokens, bool failed, CancellationToken cancellationToken)
    {
        _cost = Usd(costUsd);
        _budget = Remaining(admission, tokens, costUsd);
        var response = _context.Response;
        if (_hold is { } hold && !response.HasStarted)
        {
            if (failed)
                hold.Discard();
            else
                await hold.ReleaseAsync(cancellationToken);
            return;
        }
        // A failed stream has been aborted by the forwarder: there is no end to write to.
        if (!response.HasStarted || failed)
            return;
        if (IsEventStream(response))
        {
            var line = Encoding.UTF8.GetBytes($": {CostHeader}={_cost}\n: {BudgetHeader}={_budget}\n\n");
            await response.Body.WriteAsync(line, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        if (_trailers)
        {
            response.AppendTrailer(CostHeader, _cost);
            response.AppendTrailer(BudgetHeader, _budget);
        }
    }

    private Task OnStarting()
    {
        var response = _context.Response;
        if (_cost is not null || !_forwarding || _hold is { HasHeld: false })
        {
            // Known (a held answer), or the gateway answers itself (a refusal, an unreachable provider): nothing was spent.
            response.Headers[CostHeader] = _cost ?? "0";
            if (_budget is not null)
                response.Headers[BudgetHeader] = _budget;
            return Task.CompletedTask;
        }
        // A stream (or an oversized answer): the cost follows the body.
        if (AcceptsTrailers(_context))
        {
            response.DeclareTrailer(CostHeader);
            response.DeclareTrailer(BudgetHeader);
            _trailers = true;
        }
        if (IsEventStream(response))
            response.ContentLength = null; // the comment line is appended to what the provider sent
        return Task.CompletedTask;
    }

    private static bool IsEventStream(HttpResponse response) =>
        response.ContentType?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Trailers reach a client over HTTP/2 or later, or one that says <c>TE: trailers</c>, when the server can send them.</summary>
    public static bool AcceptsTrailers(HttpContext context)
    {
        var request = context.Request;
        var accepts = request.Protocol is not ("HTTP/1.0" or "HTTP/1.1")
            || request.Headers.TE.Any(v => v?.Split(',').Any(t => t.Trim().Equals("trailers", StringComparison.OrdinalIgnoreCase)) == true);
        return accepts && context.Response.SupportsTrailers();
    }

    public static string Usd(decimal usd) => usd.ToString("0.#########", CultureInfo.InvariantCulture);

    /// <summary><c>usd=…, tokens=…</c> for the budgets that apply after this request, or <c>unlimited</c>.</summary>
    public static string Remaining(Admission admission, long tokens, decimal usd)
    {
        var parts = new List<string>(2);
        if (admission.RemainingUsd is { } remainingUsd)
            parts.Add("usd=" + Usd(Math.Max(0, remainingUsd + admission.EstimatedUsd - usd)));
        if (admission.RemainingTokens is { } remainingTokens)
            parts.Add("tokens=" + Math.Max(0, remainingTokens + admission.EstimatedTokens - tokens).ToString(CultureInfo.InvariantCulture));
        return parts.Count == 0 ? "unlimited" : string.Join(", ", parts);
    }

    /// <summary>Holds what the forwarder writes (flushes included) until released; past <see cref="MaxHold"/> it lets
    /// everything through.</summary>
    private sealed class HoldingStream(Stream inner) : Gateway.WriteOnlyStream
    {
        private byte[] _held = [];
        private int _length;
        private bool _passThrough;

        public bool HasHeld => _length > 0 || _passThrough;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_passThrough && _length + buffer.Length <= MaxHold)
            {
                Hold(buffer.Span);
                return;
            }
            await ReleaseAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public async Task ReleaseAsync(CancellationToken cancellationToken)
        {
            _passThrough = true;
            if (_length > 0)
                await inner.WriteAsync(_held.AsMemory(0, _length), cancellationToken);
            if (_held.Length > 0)
                ArrayPool<byte>.Shared.Return(_held);
            (_held, _length) = ([], 0);
        }

        public void Discard()
        {
            _passThrough = true;
            if (_held.Length > 0)
                ArrayPool<byte>.Shared.Return(_held);
            (_held, _length) = ([], 0);
        }

        private void Hold(ReadOnlySpan<byte> data) => Gateway.PooledBytes.Append(ref _held, ref _length, data);

        public override Task FlushAsync(CancellationToken cancellationToken) => _passThrough ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;
        public override void Flush() { if (_passThrough) inner.Flush(); }
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
