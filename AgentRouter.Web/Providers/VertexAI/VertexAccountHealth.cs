using System.Collections.Concurrent;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>The last token failure of each Vertex AI account in this process, for the provider page: set when the token
/// endpoint refuses a key (or cannot be reached), cleared by the next successful mint or a new key.</summary>
public sealed class VertexAccountHealth
{
    private readonly ConcurrentDictionary<Guid, VertexTokenFailure> _failures = new();

    /// <summary>The account's last token failure, or null when its last mint succeeded (or none was tried yet).</summary>
    public VertexTokenFailure? LastError(Guid accountId) => _failures.TryGetValue(accountId, out var failure) ? failure : null;

    internal void Failed(Guid accountId, string message, DateTimeOffset at) => _failures[accountId] = new(message, at);

    internal void Succeeded(Guid accountId) => _failures.TryRemove(accountId, out _);
}

/// <summary>Why an account could not get a token, and when.</summary>
public sealed record VertexTokenFailure(string Message, DateTimeOffset At);
