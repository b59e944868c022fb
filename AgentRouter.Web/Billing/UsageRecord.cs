using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Billing;

/// <summary>One gateway request: who made it, what it asked for, where it went and what the provider reported.</summary>
public sealed class UsageRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public required string RequestId { get; set; }
    public Guid TeamId { get; set; }
    public Guid? DeveloperId { get; set; }
    public Guid ApiKeyId { get; set; }

    /// <summary>The tool that called, e.g. <c>claude-code</c>.</summary>
    public required string Agent { get; set; }

    /// <summary>The agent's own session id when it sends one (Claude Code's <c>x-claude-code-session-id</c>).</summary>
    public string? SessionId { get; set; }

    /// <summary>The caller's API operation, e.g. <c>anthropic.messages</c>.</summary>
    public required string Surface { get; set; }

    /// <summary>The upstream's API operation when the request was translated to another dialect (e.g. <c>gemini.stream</c>
    /// for Claude Code on a Gemini model); null when the upstream speaks the caller's dialect.</summary>
    public string? UpstreamSurface { get; set; }
    public string? RequestedModel { get; set; }
    public string? UpstreamModel { get; set; }
    public Guid? ProviderAccountId { get; set; }
    public UsageBilling Billing { get; set; }
    public int Status { get; set; }

    /// <summary>Admitted past a budget in warn mode.</summary>
    public bool OverBudget { get; set; }

    /// <summary>Uncached input tokens.</summary>
    public long InputTokens { get; set; }

    /// <summary>Output tokens, including reasoning ("thinking") tokens.</summary>
    public long OutputTokens { get; set; }

    /// <summary>Cache writes of both lifetimes; <see cref="CacheWrite1hTokens"/> says how many were one-hour writes.</summary>
    public long CacheWriteTokens { get; set; }

    /// <summary>The part of <see cref="CacheWriteTokens"/> written with a one-hour lifetime (billed at its own rate).</summary>
    public long CacheWrite1hTokens { get; set; }

    public long CacheReadTokens { get; set; }

    /// <summary>Web searches the provider ran for the request (billed per 1,000).</summary>
    public long WebSearchRequests { get; set; }

    /// <summary>Whether the prompt was over the model's long-context threshold, so every token was billed at those rates.</summary>
    public bool LongContext { get; set; }

    /// <summary>The part of <see cref="OutputTokens"/> spent on reasoning, where the provider says.</summary>
    public long ReasoningTokens { get; set; }

    /// <summary>Cost at the catalog prices in force when the request was made; zero when the model has no price.</summary>
    public decimal CostUsd { get; set; }

    public int LatencyMs { get; set; }
    public int? TimeToFirstByteMs { get; set; }
    public bool Streamed { get; set; }

    /// <summary>What went wrong, when something did: one of <see cref="Gateway.UsageErrors"/>.</summary>
    public string? Error { get; set; }

    /// <summary>The token counts are the gateway's estimate, not the provider's report: the answer succeeded but its
    /// usage could not be read exactly (see <see cref="Error"/>). Budgets are charged the estimate.</summary>
    public bool UsageEstimated { get; set; }

    /// <summary>Upstream requests made for this one (more than one when it failed over to another target).</summary>
    public int Attempts { get; set; }

    /// <summary>The targets tried before the one that served (or that failed last), with what each answered; null when
    /// the first target served.</summary>
    public string? Failovers { get; set; }

    public long TotalTokens => InputTokens + OutputTokens + CacheWriteTokens + CacheReadTokens;
}

public enum UsageBilling { Central, Passthrough }

internal sealed class UsageRecordConfiguration : IEntityTypeConfiguration<UsageRecord>
{
    public void Configure(EntityTypeBuilder<UsageRecord> usage)
    {
        usage.Property(u => u.RequestId).HasMaxLength(64);
        usage.Property(u => u.Agent).HasMaxLength(64);
        usage.Property(u => u.SessionId).HasMaxLength(100);
        usage.Property(u => u.Surface).HasMaxLength(32);
        usage.Property(u => u.UpstreamSurface).HasMaxLength(32);
        usage.Property(u => u.RequestedModel).HasMaxLength(200);
        usage.Property(u => u.UpstreamModel).HasMaxLength(200);
        usage.Property(u => u.Billing).HasConversion<string>().HasMaxLength(16);
        usage.Property(u => u.CostUsd).HasPrecision(18, 9);
        usage.Property(u => u.Error).HasMaxLength(500);
        usage.Property(u => u.Failovers).HasMaxLength(500);
        usage.Ignore(u => u.TotalTokens);
        // Idempotent writes: a batch retried after a lost commit acknowledgement inserts nothing twice.
        usage.HasIndex(u => u.RequestId).IsUnique();
        usage.HasIndex(u => u.At);
        usage.HasIndex(u => new { u.TeamId, u.At });
        usage.HasIndex(u => new { u.DeveloperId, u.At });
        // The request log's filters: each is read through (column, At), newest first, and pages by (At, Id) — the id is
        // the rowid, which SQLite keeps at the end of every index entry.
        usage.HasIndex(u => new { u.Agent, u.At });
        usage.HasIndex(u => new { u.RequestedModel, u.At });
        usage.HasIndex(u => new { u.ProviderAccountId, u.At });
        usage.HasIndex(u => new { u.Status, u.At });
        usage.HasIndex(u => new { u.Error, u.At });
    }
}
