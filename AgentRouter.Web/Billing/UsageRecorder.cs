using AgentRouter.Web.Data;
using AgentRouter.Web.Telemetry;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace AgentRouter.Web.Billing;

/// <summary>Pipeline step 7: takes usage records off the request path and writes them to the store in batches
/// (bounded queue, retried batches, drained on shutdown: see <see cref="BatchedWriter{T}"/>).</summary>
/// <param name="telemetry">Completes each request's span and metrics from its finished record (absent in unit tests).</param>
public sealed class UsageRecorder(IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<UsageRecorder> logger, GatewayTelemetry? telemetry = null)
    : BatchedWriter<UsageRecord>(clock, logger)
{
    private UsageInsert? _insert;

    protected override string What => "usage records";

    /// <summary>Longest a batch may stay uncommitted; the roll-up's lagging watermark (2 minutes) relies on it.</summary>
    internal static readonly TimeSpan MaxBatchDuration = TimeSpan.FromSeconds(30);

    protected override void OnRecording(UsageRecord record) => telemetry?.Completed(record);

    protected override async Task PersistAsync(List<UsageRecord> batch)
    {
        using var deadline = new CancellationTokenSource(MaxBatchDuration);
        var cancellationToken = deadline.Token;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // One transaction, and each row inserted once by request id: a retry after a failure (even one whose commit
        // went through unacknowledged) writes no record twice.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            // The server ends a batch whose writer stalled (paused process, lost network) instead of holding it open.
            await db.Database.ExecuteSqlRawAsync("SET LOCAL statement_timeout = '10s'; SET LOCAL idle_in_transaction_session_timeout = '10s'", cancellationToken);
        }
        // Reused INSERT statements (multi-row on PostgreSQL) instead of change tracking: bench/Micro measured EF's
        // AddRange + SaveChanges at ~80 µs and 26 kB per record, which the gateway paid on every request. Columns, names
        // and value conversions still come from the EF model, so rows are stored exactly as SaveChanges stored them.
        var insert = _insert ??= UsageInsert.For(db);
        await insert.ExecuteAsync(db.Database.GetDbConnection(), transaction.GetDbTransaction(), batch, cancellationToken);
        foreach (var (keyId, lastUsed) in batch.GroupBy(r => r.ApiKeyId).Select(g => (g.Key, g.Max(r => r.At))))
            await db.ApiKeys.Where(k => k.Id == keyId && (k.LastUsedAt == null || k.LastUsedAt < lastUsed))
                .ExecuteUpdateAsync(set => set.SetProperty(k => k.LastUsedAt, lastUsed), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>The INSERTs for a batch of usage records, built once from the EF model: table and column names, and each
/// column's type mapping (which applies the same value conversions SaveChanges would, e.g. the billing enum as text).
/// On PostgreSQL a batch is written in chunks of 64, 32, … 1 rows (its size in binary), one multi-row statement (one
/// round trip) per chunk, so at most seven statement shapes exist. SQLite runs in-process, where a statement costs no
/// round trip but binding does: it finds each named parameter by a linear search of the statement's names, so a
/// 64-row statement's 2,000-odd parameters cost millions of string comparisons (a profile of the first version had
/// 28 % of the router's CPU in <c>strncmp</c>); there every row is its own execution of one single-row statement.
/// Each shape keeps its command and parameters across batches: only the values change.
/// The SQL (<c>ON CONFLICT … DO NOTHING RETURNING</c>) means the same on SQLite and PostgreSQL; a record whose request
/// id is already stored (a retried batch whose commit went through unacknowledged) is not written again and keeps id 0.
/// Used only by the writer's single loop.</summary>
internal sealed class UsageInsert
{
    private const int Sizes = 7; // chunks of 2^0 … 2^6 rows; 64 rows × ~35 columns stays far below PostgreSQL's parameter limit

    private readonly (IProperty Property, RelationalTypeMapping Mapping)[] _columns;
    private readonly string _head, _tail;
    private readonly DbCommand?[] _commands = new DbCommand?[Sizes];
    private readonly int _largest;

    private UsageInsert(string head, string tail, (IProperty, RelationalTypeMapping)[] columns, int largest)
    {
        _largest = largest;
        _head = head;
        _tail = tail;
        _columns = columns;
    }

    public static UsageInsert For(AppDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(UsageRecord))!;
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var sql = db.GetService<ISqlGenerationHelper>();
        var key = entity.FindPrimaryKey()!.Properties.Single();
        var requestId = entity.FindProperty(nameof(UsageRecord.RequestId))!;
        var columns = entity.GetProperties()
            .Where(p => p.ValueGenerated == ValueGenerated.Never && p.GetColumnName(table) is not null)
            .Select(p => (p, p.GetRelationalTypeMapping()))
            .ToArray();
        var head = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} " +
                   $"({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.p.GetColumnName(table)!)))}) VALUES ";
        var requestIdColumn = sql.DelimitIdentifier(requestId.GetColumnName(table)!);
        var tail = $" ON CONFLICT ({requestIdColumn}) DO NOTHING RETURNING {sql.DelimitIdentifier(key.GetColumnName(table)!)}, {requestIdColumn};";
        return new UsageInsert(head, tail, columns, db.Database.IsSqlite() ? 0 : Sizes - 1);
    }

    /// <summary>The statement for <paramref name="rows"/> rows, as <see cref="ExecuteAsync"/> runs it (tests, docs).</summary>
    internal string Sql(int rows)
    {
        var text = new System.Text.StringBuilder(_head);
        for (var row = 0; row < rows; row++)
        {
            text.Append(row == 0 ? "(" : ", (");
            for (var column = 0; column < _columns.Length; column++)
                text.Append(column == 0 ? "" : ", ").Append("@p").Append(row).Append('_').Append(column);
            text.Append(')');
        }
        return text.Append(_tail).ToString();
    }

    /// <summary>Inserts <paramref name="batch"/> and sets each inserted record's <see cref="UsageRecord.Id"/>.</summary>
    public async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, List<UsageRecord> batch, CancellationToken cancellationToken)
    {
        var offset = 0;
        for (var size = _largest; size >= 0; size--)
        {
            var rows = 1 << size;
            while (batch.Count - offset >= rows)
            {
                await ExecuteChunkAsync(Command(size, connection, transaction), batch, offset, rows, cancellationToken);
                offset += rows;
            }
        }
    }

    private DbCommand Command(int size, DbConnection connection, DbTransaction transaction)
    {
        if (_commands[size] is not { } command)
        {
            var rows = 1 << size;
            command = connection.CreateCommand();
            command.CommandText = Sql(rows);
            for (var row = 0; row < rows; row++)
                for (var column = 0; column < _columns.Length; column++)
                {
                    var (property, mapping) = _columns[column];
                    command.Parameters.Add(mapping.CreateParameter(command, $"@p{row}_{column}", null, property.IsNullable));
                }
            _commands[size] = command;
        }
        // Each batch has its own connection from the pool and its own transaction; the parameters stay.
        command.Connection = connection;
        command.Transaction = transaction;
        return command;
    }

    private async Task ExecuteChunkAsync(DbCommand command, List<UsageRecord> batch, int offset, int rows, CancellationToken cancellationToken)
    {
        var parameters = command.Parameters;
        for (var row = 0; row < rows; row++)
        {
            var record = batch[offset + row];
            record.Id = 0;
            for (var column = 0; column < _columns.Length; column++)
            {
                var (property, mapping) = _columns[column];
                var value = property.GetGetter().GetClrValue(record);
                if (value is not null && mapping.Converter is { } converter)
                    value = converter.ConvertToProvider(value);
                parameters[row * _columns.Length + column].Value = value ?? DBNull.Value;
            }
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var next = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt64(0);
            var requestId = reader.GetString(1);
            // Both stores return the rows in the order given, which the cursor tries first; RETURNING promises no
            // order, so anything else is looked up. A request id appearing twice in one batch is stored once.
            var row = next < rows && string.Equals(batch[offset + next].RequestId, requestId, StringComparison.Ordinal) ? next
                : batch.FindIndex(offset, rows, r => r.Id == 0 && string.Equals(r.RequestId, requestId, StringComparison.Ordinal)) - offset;
            if (row >= 0)
            {
                batch[offset + row].Id = id;
                next = row + 1;
            }
        }
    }
}
