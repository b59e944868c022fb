using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Routing;

/// <summary>One circuit breaker per target (account + pinned model), shared by every team and request of this process.
/// A target whose attempts keep failing is rested for <see cref="RoutingOptions.BreakDuration"/>, then one trial
/// request decides whether it serves again.</summary>
public sealed class TargetHealth(IOptions<RoutingOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<TargetKey, TargetBreaker> _breakers = new();

    public TargetBreaker For(RouteTarget target) => _breakers.GetOrAdd(target.Key, static (key, state) => new TargetBreaker(state.options.Value, state.clock), (options, clock));

    /// <summary>What is known of a target's health; a target that has not been called yet is healthy.</summary>
    public TargetStatus Status(TargetKey key) => _breakers.TryGetValue(key, out var breaker) ? breaker.Status() : TargetStatus.Untried;
}

/// <summary>How one attempt at a target ended: a forwarding error, and the provider's status when it answered (0 when not).</summary>
public readonly record struct AttemptOutcome(ForwarderError Error, int Status)
{
    /// <summary>Whether the attempt counts against the target's health: it could not be reached, timed out, failed
    /// mid-answer, or answered 429 or 5xx (529 included). A client's own mistakes (other 4xx) and a client that went
    /// away do not.</summary>
    public bool IsFailure => Error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination
        or ForwarderError.ResponseBodyDestination or ForwarderError.NoAvailableDestinations
        || IsRetryableStatus(Status);

    public static bool IsRetryableStatus(int status) => status == StatusCodes.Status429TooManyRequests || status >= 500;

    /// <summary>Whether another target may take the request after this outcome: the upstream was not reached, timed out
    /// before its headers, or refused with a retryable status (and, the caller checks, no byte reached the client).</summary>
    public bool MayFailOver => Error is ForwarderError.Request or ForwarderError.RequestTimedOut or ForwarderError.RequestBodyDestination
        or ForwarderError.NoAvailableDestinations
        || Error == ForwarderError.None && IsRetryableStatus(Status);

    public override string ToString() => Error switch
    {
        ForwarderError.None => Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ForwarderError.RequestTimedOut => "timeout",
        ForwarderError.Request or ForwarderError.NoAvailableDestinations => "unreachable",
        ForwarderError.ResponseBodyDestination => "failed mid-answer",
        _ => Status > 0 ? $"{Status} ({Error})" : Error.ToString(),
    };
}

/// <summary>A breaker's state as the console shows it.</summary>
/// <param name="State">closed (serving), open (rested), half-open (one trial under way).</param>
public sealed record TargetStatus(string State, DateTimeOffset? RestedUntil, long Served, long Failed, string? LastFailure, DateTimeOffset? LastFailureAt)
{
    public static readonly TargetStatus Untried = new("closed", null, 0, 0, null, null);
}

/// <summary>Polly's circuit breaker around one target's attempts, with the counts the console shows.</summary>
public sealed class TargetBreaker
{
    private readonly ResiliencePipeline<AttemptOutcome> _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeProvider _clock;
    private readonly Lock _gate = new();
    private DateTimeOffset _restedUntil;
    private long _served;
    private long _failed;
    private (string Reason, DateTimeOffset At)? _lastFailure;

    public TargetBreaker(RoutingOptions options, TimeProvider clock)
    {
        _clock = clock;
        _pipeline = new ResiliencePipelineBuilder<AttemptOutcome> { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptOutcome>
            {
                FailureRatio = options.FailureRatio,
                MinimumThroughput = options.MinimumThroughput,
                SamplingDuration = options.SamplingDuration,
                BreakDuration = options.BreakDuration,
                StateProvider = _state,
                // Only outcomes count: an exception here is the client going away or a gateway fault, not the target's.
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result.IsFailure),
                OnOpened = args =>
                {
                    lock (_gate)
                        _restedUntil = _clock.GetUtcNow() + args.BreakDuration;
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Whether the breaker would let an attempt through now: closed, half-open, or open with its rest over
    /// (Polly moves it to half-open on the next attempt).</summary>
    public bool IsAvailable
    {
        get
        {
            if (_state.CircuitState is CircuitState.Closed or CircuitState.HalfOpen)
                return true;
            lock (_gate)
                return _clock.GetUtcNow() >= _restedUntil;
        }
    }

    /// <summary>Runs one attempt through the breaker; null when the breaker refused it (the target is resting, or another
    /// request holds its one half-open trial), in which case nothing was sent.</summary>
    public async ValueTask<AttemptOutcome?> ExecuteAsync(Func<ValueTask<AttemptOutcome>> attempt)
    {
        AttemptOutcome outcome;
        try
        {
            outcome = await _pipeline.ExecuteAsync(static (send, _) => send(), attempt, CancellationToken.None);
        }
        catch (BrokenCircuitException)
        {
            return null;
        }
        lock (_gate)
        {
            if (outcome.IsFailure)
            {
                _failed++;
                _lastFailure = (outcome.ToString(), _clock.GetUtcNow());
            }
            else
                _served++;
        }
        return outcome;
    }

    public TargetStatus Status()
    {
        var state = _state.CircuitState;
        lock (_gate)
        {
            var name = state switch
            {
                CircuitState.Open or CircuitState.Isolated when _clock.GetUtcNow() < _restedUntil => "open",
                CircuitState.Open or CircuitState.Isolated or CircuitState.HalfOpen => "half-open",
                _ => "closed",
            };
            return new TargetStatus(name, name == "open" ? _restedUntil : null, _served, _failed, _lastFailure?.Reason, _lastFailure?.At);
        }
    }
}
