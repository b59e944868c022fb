using System.Collections;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Hosting;

/// <summary>Scrubs every log entry, at every level and from every category (ASP.NET Core hosting diagnostics,
/// HttpLogging, YARP, ours), before any provider sees it: <c>ar_</c> keys anywhere, credential-like query parameters
/// (<c>key</c>, <c>api_key</c>, … in any letter case) anywhere, and the whole query string of gateway routes.
/// The redaction sits in the logger factory, so it holds whatever the configured levels are.</summary>
public static partial class LogRedaction
{
    public const string Mask = "[redacted]";

    /// <summary>Path prefixes of the gateway's routes, whose query strings are never logged.</summary>
    private static readonly string[] GatewayRoots = ["/v1", "/v1beta", "/mcp"];

    /// <summary>Wraps the logger factory every <see cref="ILogger{T}"/> comes from.</summary>
    public static IServiceCollection AddLogRedaction(this IServiceCollection services)
    {
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider => new RedactingLoggerFactory(new LoggerFactory(
            provider.GetServices<ILoggerProvider>(),
            provider.GetRequiredService<IOptionsMonitor<LoggerFilterOptions>>(),
            provider.GetService<IOptions<LoggerFactoryOptions>>(),
            provider.GetService<IExternalScopeProvider>()))));
        return services;
    }

    /// <summary>The text with keys, credential query parameters and gateway query strings masked.</summary>
    public static string Redact(string text)
    {
        if (text.Length < 4)
            return text;
        text = GatewayQuery().Replace(text, match => match.Groups["path"].Value + "?" + Mask);
        text = CredentialParameter().Replace(text, match => match.Groups["name"].Value + Mask);
        return Key().Replace(text, "ar_" + Mask);
    }

    internal static bool IsGatewayPath(string? path) =>
        path is not null && GatewayRoots.Any(root => path.StartsWith(root, StringComparison.OrdinalIgnoreCase) &&
            (path.Length == root.Length || path[root.Length] is '/' or '?'));

    // A gateway path, alone or right after a URL's authority, followed by a query string: the whole query string goes.
    [GeneratedRegex(@"(?<path>(?<=^|[\s""'(=]|//[^/\s""'<>]+)/(?:v1beta|v1|mcp)(?:/[^\s?""'<>]*)?)\?[^\s""'<>]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GatewayQuery();

    [GeneratedRegex(@"(?<name>[?&;](?:key|api[-_]?key|x-api-key|access[-_]?token|token)=)[^&\s""'<>]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialParameter();

    // ar_<team>_<secret>, or any ar_ token of key material length; \b keeps words such as "car_" out.
    [GeneratedRegex(@"\bar_[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex Key();

    /// <summary>A log entry's values after redaction; also rebuilds the message from its template, so a value
    /// dropped here (a gateway query string) is dropped from the text too.</summary>
    internal sealed class RedactedState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _values;

        public RedactedState(object? state, string formatted)
        {
            _values = [];
            string? template = null;
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (name, value) in pairs)
                {
                    if (name == "{OriginalFormat}")
                        template = value as string;
                    _values.Add(new(name, value is string or Uri or PathString or QueryString ? Redact(value.ToString() ?? "") : value));
                }
                var path = _values.FirstOrDefault(p => p.Key == "Path").Value?.ToString();
                var query = _values.FindIndex(p => p.Key == "QueryString");
                if (query >= 0 && IsGatewayPath(path) && _values[query].Value is string { Length: > 0 })
                    _values[query] = new("QueryString", "?" + Mask);
            }
            Message = Redact(template is null ? formatted : Format(template));
        }

        public string Message { get; }

        public int Count => _values.Count;
        public KeyValuePair<string, object?> this[int index] => _values[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _values.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Message;

        /// <summary>Fills a message template (<c>{Name}</c>, <c>{Name:format}</c>, <c>{{</c>) from the redacted values.</summary>
        private string Format(string template)
        {
            var text = new StringBuilder(template.Length + 32);
            for (var i = 0; i < template.Length; i++)
            {
                var c = template[i];
                if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
                {
                    text.Append(c);
                    i++;
                    continue;
                }
                var close = c == '{' ? template.IndexOf('}', i) : -1;
                if (close < 0)
                {
                    text.Append(c);
                    continue;
                }
                var hole = template[(i + 1)..close];
                var nameEnd = hole.IndexOfAny([',', ':']);
                var name = nameEnd < 0 ? hole : hole[..nameEnd];
                var value = _values.FirstOrDefault(p => p.Key == name).Value;
                text.Append(value switch
                {
                    null => "(null)",
                    IFormattable formattable when nameEnd >= 0 && hole[nameEnd] == ':' =>
                        formattable.ToString(hole[(nameEnd + 1)..], System.Globalization.CultureInfo.InvariantCulture),
                    IEnumerable sequence and not string => string.Join(", ", sequence.Cast<object?>()),
                    _ => value.ToString(),
                });
                i = close;
            }
            return text.ToString();
        }
    }

    /// <summary>A scope's state, redacted when a provider first reads it. Hosting opens a scope for every request
    /// (path, request id) and nearly all of them end without a log entry being written: redacting eagerly cost about 3 %
    /// of the gateway's CPU under load (perf, c=32). Two providers reading at once may both redact; either result is
    /// the same.</summary>
    internal sealed class RedactedScope(object state) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private RedactedState? _redacted;

        private RedactedState Redacted => _redacted ??= new RedactedState(state, state.ToString() ?? "");

        public int Count => Redacted.Count;
        public KeyValuePair<string, object?> this[int index] => Redacted[index];
        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Redacted.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
        public override string ToString() => Redacted.Message;
    }

    /// <summary>An exception whose text is shown redacted (its message may quote a URL or a header).</summary>
    internal sealed class RedactedException(Exception inner) : Exception(Redact(inner.Message))
    {
        public override string? StackTrace => inner.StackTrace;
        public override string ToString() => Redact(inner.ToString());
    }

    private sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));
        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);
        public void Dispose() => inner.Dispose();
    }

    private sealed class RedactingLogger(ILogger inner) : ILogger
    {
        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull =>
            inner.BeginScope(new RedactedScope(state));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
                return;
            var redacted = new RedactedState(state, formatter(state, exception));
            var shownException = exception is not null && Redact(exception.ToString()) != exception.ToString() ? new RedactedException(exception) : exception;
            inner.Log(logLevel, eventId, redacted, shownException, static (s, _) => s.Message);
        }
    }
}
