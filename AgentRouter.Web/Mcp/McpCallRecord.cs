using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Mcp;

/// <summary>One <c>tools/call</c> through the MCP gateway, refused or forwarded: who called which tool of which server,
/// and how it ended.</summary>
public sealed class McpCallRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string RequestId { get; set; }
    public Guid TeamId { get; set; }
    public Guid? DeveloperId { get; set; }
    public Guid ApiKeyId { get; set; }
    public required string Agent { get; set; }

    /// <summary>Null when the caller named a server that is not registered.</summary>
    public Guid? ServerId { get; set; }

    public required string Server { get; set; }
    public required string Tool { get; set; }

    /// <summary>HTTP status of the answer to the client.</summary>
    public int Status { get; set; }

    /// <summary>How the call ended; see <see cref="McpCallOutcome"/>.</summary>
    public required string Outcome { get; set; }

    /// <summary>The JSON-RPC error, the router's refusal reason or the transport failure, when there was one.</summary>
    public string? Error { get; set; }

    public int LatencyMs { get; set; }
}

/// <summary>The values of <see cref="McpCallRecord.Outcome"/>.</summary>
public static class McpCallOutcome
{
    /// <summary>The tool ran and reported success.</summary>
    public const string Ok = "ok";
    /// <summary>The tool ran and reported an error result (<c>isError: true</c>).</summary>
    public const string ToolError = "tool_error";
    /// <summary>The server answered with a JSON-RPC error.</summary>
    public const string Error = "error";
    /// <summary>The router refused the call (tool or server not granted); it never reached the server.</summary>
    public const string Refused = "refused";
    /// <summary>The server could not be reached, failed mid-answer, or the client went away.</summary>
    public const string Failed = "failed";
}

internal sealed class McpCallRecordConfiguration : IEntityTypeConfiguration<McpCallRecord>
{
    public void Configure(EntityTypeBuilder<McpCallRecord> call)
    {
        call.ToTable("McpCalls");
        call.Property(c => c.RequestId).HasMaxLength(64);
        call.Property(c => c.Agent).HasMaxLength(64);
        call.Property(c => c.Server).HasMaxLength(64);
        call.Property(c => c.Tool).HasMaxLength(200);
        call.Property(c => c.Outcome).HasMaxLength(16);
        call.Property(c => c.Error).HasMaxLength(500);
        call.HasIndex(c => c.At);
        call.HasIndex(c => new { c.TeamId, c.At });
        call.HasIndex(c => new { c.DeveloperId, c.At });
    }
}
