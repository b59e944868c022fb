using System.Threading.Channels;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Mcp;

/// <summary>Takes <c>tools/call</c> records off the request path and writes them in batches, like the usage writer:
/// a bounded queue (a stalled store slows callers rather than losing records), one transaction per batch, drained on shutdown.</summary>
public sealed class McpCallRecorder(IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<McpCallRecorder> logger) : IHostedService
{
    private const int Capacity = 50_000;
    private const int BatchSize = 500;

    private readonly Channel<McpCallRecord> _queue = Channel.CreateBounded<McpCallRecord>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private Task? _writer;

    /// <summary>Raised after a batch is committed (live views; tests that wait for a record).</summary>
    public event Action<IReadOnlyList<McpCallRecord>>? Persisted;

    public ValueTask RecordAsync(McpCallRecord record) =>
        _queue.Writer.TryWrite(record) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(record);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_writer is not null)
            await _writer.WaitAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        while (await _queue.Reader.WaitToReadAsync())
        {
            var batch = new List<McpCallRecord>(BatchSize);
            while (batch.Count < BatchSize && _queue.Reader.TryRead(out var record))
                batch.Add(record);
            await PersistWithRetryAsync(batch);
        }
    }

    private async Task PersistWithRetryAsync(List<McpCallRecord> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await factory.CreateDbContextAsync();
                foreach (var record in batch)
                    record.Id = 0;
                db.McpCalls.AddRange(batch);
                await db.SaveChangesAsync();
            }
            catch (Exception ex) when (attempt < 8)
            {
                var delay = TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt));
                logger.LogWarning(ex, "Writing {Count} MCP call records failed (attempt {Attempt}); retrying in {Delay}", batch.Count, attempt, delay);
                await Task.Delay(delay, clock);
                continue;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Dropping {Count} MCP call records after repeated store failures", batch.Count);
                return;
            }
            try
            {
                Persisted?.Invoke(batch);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "An MCP call listener failed");
            }
            return;
        }
    }
}
