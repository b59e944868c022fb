using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

// ttfb --url URL [--key KEY] [--n 300]
//     Sequential streamed requests; prints JSON with p50/p90/p99 time to first body byte in ms.
// hold --url URL --key KEY --pid PID [--streams 1000] [--delay-ms 200] [--timeout-s 60]
//     Opens N streamed requests at once against a slow upstream stream (50 events, delay between them),
//     samples the PID's RSS while they are open, and prints JSON: peak RSS, streams completed, TTFB under load.
var options = Options.Parse(args);
var result = options.Command switch
{
    "ttfb" => await Commands.TtfbAsync(options),
    "hold" => await Commands.HoldAsync(options),
    _ => throw new ArgumentException("usage: ttfb|hold --url URL [--key KEY] ..."),
};
Console.WriteLine(JsonSerializer.Serialize(result));

internal sealed record Options(string Command, Dictionary<string, string> Values)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
            values[args[i].TrimStart('-')] = args[i + 1];
        return new Options(args.Length > 0 ? args[0] : "", values);
    }

    public string Get(string name, string? fallback = null) =>
        Values.TryGetValue(name, out var v) ? v : fallback ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => Values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

internal static class Commands
{
    private const string Body = """{"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"Say hello."}]}""";

    private static HttpClient NewClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    { Timeout = Timeout.InfiniteTimeSpan };

    private static HttpRequestMessage NewRequest(string url, string? key)
    {
        // The router forwards only the query parameters providers take, so the fake's pause also travels in the body
        // (an unknown top-level field, forwarded byte for byte).
        var delay = System.Text.RegularExpressions.Regex.Match(url, @"[?&]delay_ms=(\d+)");
        var body = delay.Success ? Body[..^1] + ",\"bench_delay_ms\":" + delay.Groups[1].Value + "}" : Body;
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        if (!string.IsNullOrEmpty(key))
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        return request;
    }

    /// <summary>Sends one streamed request; returns the time to the first body byte (ms), then drains the stream.</summary>
    private static async Task<(double TtfbMs, bool Ok)> StreamOnceAsync(HttpClient client, string url, string? key, Action? firstByte, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var request = NewRequest(url, key);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[4096];
        var read = await body.ReadAsync(buffer, cancellationToken);
        var ttfb = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        firstByte?.Invoke();
        while (read > 0)
            read = await body.ReadAsync(buffer, cancellationToken);
        return (ttfb, response.IsSuccessStatusCode);
    }

    public static async Task<object> TtfbAsync(Options options)
    {
        var url = options.Get("url");
        var key = options.Get("key", "");
        var n = options.Int("n", 300);
        using var client = NewClient();
        for (var i = 0; i < Math.Max(20, n / 10); i++)
            await StreamOnceAsync(client, url, key, null, CancellationToken.None); // warm-up: connection, JIT
        var samples = new List<double>(n);
        var failures = 0;
        for (var i = 0; i < n; i++)
        {
            var (ttfb, ok) = await StreamOnceAsync(client, url, key, null, CancellationToken.None);
            if (ok) samples.Add(ttfb); else failures++;
        }
        return new { requests = n, failures, p50_ms = Percentile(samples, 50), p90_ms = Percentile(samples, 90), p99_ms = Percentile(samples, 99) };
    }

    public static async Task<object> HoldAsync(Options options)
    {
        var url = options.Get("url");
        var key = options.Get("key", "");
        var pid = options.Int("pid", 0);
        var streams = options.Int("streams", 1000);
        var timeout = TimeSpan.FromSeconds(options.Int("timeout-s", 60));
        using var client = NewClient();
        using var cts = new CancellationTokenSource(timeout);
        var rssBefore = Rss(pid);
        var open = 0;
        var ttfbs = new double[streams];
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, streams).Select(async i =>
        {
            try
            {
                var (ttfb, ok) = await StreamOnceAsync(client, url, key, () => Interlocked.Increment(ref open), cts.Token);
                ttfbs[i] = ttfb;
                return ok;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                ttfbs[i] = double.NaN;
                return false;
            }
        }).ToArray();

        // Sample RSS while streams are open; the peak is what 1,000 concurrent streams cost.
        long peakRss = rssBefore;
        var maxOpen = 0;
        var all = Task.WhenAll(tasks);
        while (!all.IsCompleted)
        {
            peakRss = Math.Max(peakRss, Rss(pid));
            maxOpen = Math.Max(maxOpen, Volatile.Read(ref open) - tasks.Count(t => t.IsCompleted));
            await Task.WhenAny(all, Task.Delay(250));
        }
        var oks = (await all).Count(ok => ok);
        var firstBytes = ttfbs.Where(t => !double.IsNaN(t) && t > 0).ToList();
        return new
        {
            streams,
            completed_ok = oks,
            failed = streams - oks,
            max_open_at_once = maxOpen,
            seconds = Math.Round(sw.Elapsed.TotalSeconds, 1),
            rss_before_mb = Math.Round(rssBefore / 1048576.0, 1),
            rss_peak_mb = Math.Round(peakRss / 1048576.0, 1),
            ttfb_p50_ms = Percentile(firstBytes, 50),
            ttfb_p99_ms = Percentile(firstBytes, 99),
        };
    }

    private static long Rss(int pid)
    {
        if (pid <= 0)
            return 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
        }
        return 0;
    }

    private static double? Percentile(List<double> samples, double p)
    {
        if (samples.Count == 0)
            return null;
        samples.Sort();
        var index = (int)Math.Ceiling(p / 100 * samples.Count) - 1;
        return Math.Round(samples[Math.Clamp(index, 0, samples.Count - 1)], 3);
    }
}
