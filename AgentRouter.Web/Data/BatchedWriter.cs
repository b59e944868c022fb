using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using AgentRouter.Web.Telemetry;

namespace AgentRouter.Web.Data;

/// <summary>Takes records off the request path and writes them to the store in batches. The queue is bounded (a
/// stalled store slows callers down rather than losing records), a failed batch is retried with back-off, and
/// everything accepted is written before shutdown completes (the host stops the web server, letting in-flight
/// requests finish, before this stops). Commits are paced, not timed: a record queued when no commit started in the
/// last <see cref="CommitInterval"/> is committed at once (a quiet router writes each record straight away); under
/// load, commits start at most every <see cref="CommitInterval"/> and take whatever has queued meanwhile (at most
/// <see cref="BatchSize"/>). A commit costs about the same whether it carries one record or a hundred (SQLite writes
/// every page it touched, the table's and each index's, to its log on every commit), so pacing is what keeps the
/// writer's share of a request small; records wait at most one interval plus one commit, well inside the 100 ms that
/// bounds what a SIGKILL can lose (<c>bench/kill9.py</c> measures it).</summary>
public abstract class BatchedWriter<T>(TimeProvider clock, ILogger logger) : IHostedService where T : class
{
    private const int Capacity = 50_000;
    private const int BatchSize = 500;
    private const int Attempts = 8;

    /// <summary>Shortest time between the starts of two commits while records keep arriving.</summary>
    internal static readonly TimeSpan CommitInterval = TimeSpan.FromMilliseconds(20);

    private readonly Channel<T> _queue = Channel.CreateBounded<T>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private Task? _writer;
    private IDisposable? _depthGauge;

    /// <summary>Raised after a batch is committed (live views; tests that wait for a record).</summary>
    public event Action<IReadOnlyList<T>>? Persisted;

    /// <summary>What the records are, for log messages ("usage records").</summary>
    protected abstract string What { get; }

    /// <summary>Writes one batch, all or nothing: a retry must not write any record twice.</summary>
    protected abstract Task PersistAsync(List<T> batch);

    /// <summary>One batch written as the loop writes it, without the queue (bench/Micro measures the writer's share).</summary>
    internal Task PersistBatchAsync(List<T> batch) => PersistAsync(batch);

    public ValueTask RecordAsync(T record)
    {
        OnRecording(record);
        return _queue.Writer.TryWrite(record) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(record);
    }

    /// <summary>Sees each record as it is accepted, on the caller's flow (telemetry).</summary>
    protected virtual void OnRecording(T record)
    {
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var writer = new KeyValuePair<string, object?>("agentrouter.writer", What);
        _depthGauge = RouterTelemetry.WriterQueueDepth.Observe(() => [new Measurement<long>(_queue.Reader.Count, writer)]);
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Stops taking records and writes every one already accepted.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
            await _writer.WaitAsync(cancellationToken);
        _depthGauge?.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        var lastCommit = 0L;
        while (await _queue.Reader.WaitToReadAsync())
        {
            // Real time, not the injected clock: this paces the store's work and must not wait on a test's fake clock.
            var wait = CommitInterval - Stopwatch.GetElapsedTime(lastCommit);
            if (lastCommit != 0 && wait > TimeSpan.Zero && _queue.Reader.Count < BatchSize)
                await Task.Delay(wait);
            lastCommit = Stopwatch.GetTimestamp();
            var batch = new List<T>(Math.Min(_queue.Reader.Count, BatchSize));
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var record))
                batch.Add(record);
            await PersistWithRetryAsync(batch);
        }
    }

    private async Task PersistWithRetryAsync(List<T> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await PersistAsync(batch);
                RouterTelemetry.WriterBatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("agentrouter.writer", What));
            }
            catch (Exception ex) when (attempt < Attempts)
            {
                var delay = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt));
                logger.LogWarning(ex, "Writing {Count} {What} failed (attempt {Attempt}); retrying in {Delay}", batch.Count, What, attempt, delay);
                await Task.Delay(delay, clock);
                continue;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Dropping {Count} {What} after repeated store failures", batch.Count, What);
                return;
            }
            try
            {
                Persisted?.Invoke(batch);
            }
            catch (Exception ex)
            {
                // A failing listener must not make a committed batch look unwritten (and be written twice).
                logger.LogWarning(ex, "A listener for {What} failed", What);
            }
            return;
        }
    }
}
