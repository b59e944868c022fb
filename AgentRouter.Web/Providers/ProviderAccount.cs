using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace AgentRouter.Web.Providers;

/// <summary>An organisation account at a model provider: where to send requests and the credential to present.</summary>
public sealed class ProviderAccount
{
    public Guid Id { get; set; } = Guid.CreateVersion7();
    public required string Name { get; set; }
    public ProviderKind Kind { get; set; }

    /// <summary>The provider's API root as its own SDK takes it, e.g. <c>https://api.openai.com/v1</c>.</summary>
    public required string BaseUrl { get; set; }

    /// <summary>The kind's non-secret settings as a JSON object (e.g. a Vertex AI project and location); null when it has none.</summary>
    public string? Settings { get; set; }

    /// <summary>The credential, encrypted with ASP.NET Data Protection; never leaves the server in clear.</summary>
    public string? CredentialCipher { get; set; }

    /// <summary>Last four characters of the credential, the only part ever shown again.</summary>
    public string? CredentialHint { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CredentialRotatedAt { get; set; }
}

/// <summary>The kind of a provider account; everything kind-specific lives in its adapter (<see cref="IProviderAdapter"/>).</summary>
public enum ProviderKind
{
    Anthropic,
    OpenAI,
    Gemini,
    /// <summary>Agent Router's built-in simulated provider: answers in every dialect, costs nothing.</summary>
    Sandbox,
}

internal sealed class ProviderAccountConfiguration : IEntityTypeConfiguration<ProviderAccount>
{
    public void Configure(EntityTypeBuilder<ProviderAccount> account)
    {
        account.Property(a => a.Name).HasMaxLength(100);
        account.HasIndex(a => a.Name).IsUnique();
        account.Property(a => a.Kind).HasConversion<string>().HasMaxLength(16);
        account.Property(a => a.BaseUrl).HasMaxLength(2000);
        account.Property(a => a.CredentialHint).HasMaxLength(8);
        account.Property(a => a.Settings).HasMaxLength(4000);
    }
}
