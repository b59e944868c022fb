using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Data;

/// <summary>On SQLite, copies the write-ahead log back into the database from a task of its own once a second, so the
/// usage writer's commits do not. Left to itself, SQLite checkpoints inside whichever commit takes the log past 1,000
/// pages: that commit copies the log and waits for two fsyncs, and under load the records queued behind it waited up
/// to a quarter of a second (<c>bench/kill9.py</c> saw 260 ms of traffic lost to SIGKILL; the writer's batch-duration
/// histogram had batches of 100–500 ms). A passive checkpoint runs beside commits without blocking them; the
/// connections' own threshold stays as a safety net (<see cref="SqliteConnectionPragmas"/>), far above what a second
/// of traffic writes.</summary>
internal sealed class SqliteCheckpointer(IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<SqliteCheckpointer> logger)
    : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await CheckpointAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The connections' own threshold still checkpoints; a failure here only costs a slower commit.
                    logger.LogWarning(ex, "Checkpointing the SQLite write-ahead log failed");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One passive checkpoint: returns the log's size and how much of it is now in the database, in pages.</summary>
    internal async Task<(int LogPages, int CheckpointedPages)> CheckpointAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt32(1), reader.GetInt32(2)) : (0, 0);
    }
}
