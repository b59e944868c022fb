using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Mcp;

/// <summary>An upstream MCP (Streamable HTTP) endpoint and the credential the router presents to it.</summary>
public sealed class McpServer
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>URL-safe name; the router exposes the server at <c>/mcp/{name}</c>.</summary>
    public required string Name { get; set; }

    public required string Url { get; set; }
    public McpAuthKind AuthKind { get; set; }

    /// <summary>Header name for <see cref="McpAuthKind.Header"/>.</summary>
    public string? AuthHeader { get; set; }

    /// <summary>The secret, encrypted with ASP.NET Data Protection.</summary>
    public string? SecretCipher { get; set; }

    /// <summary>Last characters of the secret, the only part ever shown again.</summary>
    public string? SecretHint { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SecretRotatedAt { get; set; }
}

public enum McpAuthKind { None, Bearer, Header }

/// <summary>A profile's grant of one MCP server, optionally restricted to some of its tools.</summary>
public sealed class McpGrant
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public Guid ProfileId { get; set; }
    public Guid ServerId { get; set; }

    /// <summary>Null grants every tool; a list grants only those.</summary>
    public List<string>? Tools { get; set; }

    /// <summary>Whether a grant restricted to some tools also exposes the server's resources (a whole-server grant
    /// always does).</summary>
    public bool Resources { get; set; }

    /// <summary>Whether a grant restricted to some tools also exposes the server's prompts (a whole-server grant always does).</summary>
    public bool Prompts { get; set; }
}

internal sealed class McpServerConfiguration : IEntityTypeConfiguration<McpServer>
{
    public void Configure(EntityTypeBuilder<McpServer> server)
    {
        server.Property(s => s.Name).HasMaxLength(64);
        server.HasIndex(s => s.Name).IsUnique();
        server.Property(s => s.Url).HasMaxLength(2000);
        server.Property(s => s.AuthKind).HasConversion<string>().HasMaxLength(16);
        server.Property(s => s.AuthHeader).HasMaxLength(100);
        server.Property(s => s.SecretHint).HasMaxLength(8);
    }
}

internal sealed class McpGrantConfiguration : IEntityTypeConfiguration<McpGrant>
{
    public void Configure(EntityTypeBuilder<McpGrant> grant)
    {
        grant.HasOne<McpServer>().WithMany().HasForeignKey(g => g.ServerId).OnDelete(DeleteBehavior.Restrict);
        grant.PrimitiveCollection(g => g.Tools);
    }
}
