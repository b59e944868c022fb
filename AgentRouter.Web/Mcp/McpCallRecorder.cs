using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Mcp;

/// <summary>Takes <c>tools/call</c> records off the request path and writes them in batches, like the usage writer.</summary>
public sealed class McpCallRecorder(IDbContextFactory<AppDbContext> factory, TimeProvider clock, ILogger<McpCallRecorder> logger)
    : BatchedWriter<McpCallRecord>(clock, logger)
{
    protected override string What => "MCP call records";

    protected override async Task PersistAsync(List<McpCallRecord> batch)
    {
        await using var db = await factory.CreateDbContextAsync();
        foreach (var record in batch)
            record.Id = 0;
        db.McpCalls.AddRange(batch);
        await db.SaveChangesAsync();
    }
}
