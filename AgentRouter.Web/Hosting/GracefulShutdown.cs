using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Hosting;

/// <summary>How the process stops. Bound from <c>Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>How long requests still running when the process is asked to stop (SIGTERM, Ctrl+C) may go on.
    /// New connections are refused at once; at the end of this time every request still open is ended (a gateway
    /// stream's usage record then says <c>shutdown</c>), the queued records are written, and the process exits.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Time the host allows after <see cref="Timeout"/> for the writers to drain and the jobs to stop.</summary>
    internal static readonly TimeSpan DrainAllowance = TimeSpan.FromSeconds(5);
}

internal sealed class ValidateShutdownOptions : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.Timeout < TimeSpan.Zero || options.Timeout > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail("Shutdown:Timeout must be between 0 and 1 hour.")
            : ValidateOptionsResult.Success;
}

/// <summary>Every request in flight, so that they can be ended together when the shutdown timeout runs out. Ending
/// them is what lets the web server's stop return at the timeout (rather than at the host's own, longer limit) and
/// leaves time for the usage writers to drain.</summary>
public sealed class InFlightRequests : IDisposable
{
    private static readonly object EndedByShutdownKey = new();

    private readonly ConcurrentDictionary<HttpContext, byte> _open = new();
    private readonly TimeProvider _clock;
    private readonly TimeSpan _timeout;
    private readonly ILogger<InFlightRequests> _logger;
    private readonly CancellationTokenRegistration _stopping;
    private ITimer? _deadline;
    private volatile bool _expired;

    public InFlightRequests(IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, TimeProvider clock, ILogger<InFlightRequests> logger)
    {
        _clock = clock;
        _timeout = options.Value.Timeout;
        _logger = logger;
        _stopping = lifetime.ApplicationStopping.Register(BeginStopping);
    }

    /// <summary>Whether this request was ended because the shutdown timeout ran out.</summary>
    public static bool EndedByShutdown(HttpContext context) => context.Items.ContainsKey(EndedByShutdownKey);

    /// <summary>How many requests are open now.</summary>
    public int Count => _open.Count;

    internal async Task TrackAsync(HttpContext context, RequestDelegate next)
    {
        _open.TryAdd(context, 0);
        try
        {
            if (_expired)
                EndOne(context);
            await next(context);
        }
        finally
        {
            _open.TryRemove(context, out _);
        }
    }

    /// <summary>Starts the shutdown clock (on ApplicationStopping).</summary>
    internal void BeginStopping()
    {
        _logger.LogInformation("Stopping: {Count} requests in flight may run for up to {Timeout}", _open.Count, _timeout);
        _deadline = _clock.CreateTimer(_ => EndAll(), null, _timeout, System.Threading.Timeout.InfiniteTimeSpan);
    }

    private void EndAll()
    {
        _expired = true;
        var ended = 0;
        foreach (var context in _open.Keys)
        {
            EndOne(context);
            ended++;
        }
        if (ended > 0)
            _logger.LogWarning("Shutdown timeout ({Timeout}) reached: ended {Count} requests still in flight", _timeout, ended);
    }

    private static void EndOne(HttpContext context)
    {
        context.Items[EndedByShutdownKey] = true;
        context.Abort();
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _deadline?.Dispose();
    }
}
