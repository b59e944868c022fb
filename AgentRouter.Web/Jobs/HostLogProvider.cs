using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace AgentRouter.Web.Jobs;

/// <summary>Hangfire's log provider is process-wide (static) and keeps the loggers it hands out, while each host has
/// its own <see cref="ILoggerFactory"/>. In one process with several hosts (the test suite starts dozens), a logger made
/// from a host that has since stopped throws <see cref="ObjectDisposedException"/> on use and fails a job that merely
/// logged. This provider creates each logger on first use and drops a message whose host's logging has been disposed.</summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
{
    public ILog GetLogger(string name) => new HostLog(factory, name);

    private sealed class HostLog(ILoggerFactory factory, string name) : ILog
    {
        private ILog? _inner;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                _inner ??= new AspNetCoreLogProvider(factory).GetLogger(name);
                return _inner.Log(logLevel, messageFunc, exception);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
