using System.Text;
using AgentRouter.Web.Gateway;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Routing;

/// <summary>Plans the attempts of one gateway request over its model's targets.</summary>
public sealed class Failover(TargetHealth health, TargetSelector selector, IOptions<RoutingOptions> options)
{
    /// <summary>Starts a request's attempts. <paramref name="eligible"/> says which targets can take this request at all
    /// (e.g. the caller's API and billing mode); a route with one target is tried once, with no breaker in the way.</summary>
    public FailoverAttempts Start(ModelRoute route, Func<RouteTarget, bool> eligible)
    {
        if (route.Targets.Count <= 1)
            return new FailoverAttempts(route, null, null, 1);
        var order = selector.Order(route.Targets.Where(eligible).ToList());
        return new FailoverAttempts(route, order, health, options.Value.MaxAttempts);
    }
}

/// <summary>One request's walk over its targets: each attempt runs through the target's breaker, and an answer that
/// may fail over (unreachable, timed out before its headers, 429/5xx) is held back from the client while another
/// target remains within the attempt budget. Nothing is retried once the response has started.</summary>
public sealed class FailoverAttempts
{
    private readonly ModelRoute _route;
    private readonly List<RouteTarget>? _order;
    private readonly TargetHealth? _health;
    private readonly int _maxAttempts;
    private int _next;
    private bool _done;
    private StringBuilder? _trail;

    internal FailoverAttempts(ModelRoute route, List<RouteTarget>? order, TargetHealth? health, int maxAttempts)
    {
        (_route, _order, _health, _maxAttempts) = (route, order, health, maxAttempts);
    }

    /// <summary>Upstream requests sent so far.</summary>
    public int Sent { get; private set; }

    /// <summary>The route of the target that answered the client (or of the last one tried).</summary>
    public ModelRoute? Served { get; private set; }

    /// <summary>True when no answer reached the client: every target was resting, or the last answer was held back
    /// because another target was expected to take over and none could.</summary>
    public bool Unanswered { get; private set; }

    /// <summary>The next target to try, as a route; false when the request is answered or nothing is left to try.</summary>
    public bool TryNext(out ModelRoute route)
    {
        route = _route;
        if (_done || Sent >= _maxAttempts)
            return false;
        if (_order is null)
        {
            _done = Sent > 0;
            return !_done;
        }
        while (_next < _order.Count)
        {
            var target = _order[_next++];
            if (_health!.For(target).IsAvailable)
            {
                route = _route.Via(target);
                return true;
            }
            Note(target, "resting");
        }
        Unanswered = true;
        return false;
    }

    /// <summary>Sends the current attempt: <paramref name="send"/> forwards with the transformer it is given.</summary>
    public async Task<ForwarderError> SendAsync(HttpContext context, ModelRoute route, HttpTransformer transformer, Func<HttpTransformer, ValueTask<ForwarderError>> send)
    {
        Served = route;
        Unanswered = false;
        if (_order is null)
        {
            Sent++;
            return await send(transformer);
        }
        var target = _order[_next - 1];
        var guard = new AttemptGuard(transformer, holdBack: Sent + 1 < _maxAttempts && _order.Skip(_next).Any(t => _health!.For(t).IsAvailable));
        var error = ForwarderError.None;
        var outcome = await _health!.For(target).ExecuteAsync(async () =>
        {
            Sent++;
            error = await send(guard);
            return new AttemptOutcome(error, guard.Status);
        });
        if (outcome is not { } attempt)
        {
            // The breaker refused (another request holds the half-open trial): nothing was sent, try the next one.
            Note(target, "resting");
            Unanswered = true;
            return ForwarderError.None;
        }
        if (!guard.MayHoldBack || !attempt.MayFailOver || context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            _done = true;
            if (_trail is not null)
                Note(target, attempt.ToString());
            return error;
        }
        Note(target, attempt.ToString());
        Unanswered = true;
        // Forget the failed attempt's answer: the forwarder set an error status (and an error feature) on the response.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Features.Set<IForwarderErrorFeature>(null);
        return ForwarderError.None;
    }

    /// <summary>The current target's adapter refused to plan the call (its account cannot be used now, e.g. no token):
    /// nothing was sent. Returns true when other targets may still be tried; the refusal is answered only when none can.</summary>
    public bool Refused(ModelRoute route, string? code)
    {
        Served = route;
        if (_order is null)
            return false;
        Note(_order[_next - 1], "refused" + (code is null ? "" : ": " + code));
        return true;
    }

    /// <summary>The target that served and the attempts made, for the usage record.</summary>
    public AttemptTrail Trail =>
        new(Served, Sent, _trail?.ToString() is { Length: > 0 } trail ? trail.Length <= 500 ? trail : trail[..500] : null);

    private void Note(RouteTarget target, string what)
    {
        _trail ??= new StringBuilder();
        if (_trail.Length > 0)
            _trail.Append("; ");
        _trail.Append(target).Append(' ').Append(what);
    }
}

/// <summary>What the usage record says of the attempts: the route that answered (or failed last), how many upstream
/// requests were sent, and the targets tried before it with what each answered (null when the first one served).</summary>
public sealed record AttemptTrail(ModelRoute? ServedBy, int Attempts, string? Failovers);

/// <summary>Wraps an attempt's transformer: when the provider answers with a status another target may do better on,
/// and another target remains, the answer is not copied to the client (neither headers nor body), so the next target
/// can answer instead.</summary>
internal sealed class AttemptGuard(HttpTransformer inner, bool holdBack) : HttpTransformer
{
    /// <summary>The provider's status; 0 when it did not answer.</summary>
    public int Status { get; private set; }

    public bool MayHoldBack => holdBack;

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken) =>
        inner.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        Status = proxyResponse is null ? 0 : (int)proxyResponse.StatusCode;
        if (holdBack && AttemptOutcome.IsRetryableStatus(Status))
            return ValueTask.FromResult(false);
        return inner.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }

    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) =>
        inner.TransformResponseTrailersAsync(httpContext, proxyResponse, cancellationToken);
}
