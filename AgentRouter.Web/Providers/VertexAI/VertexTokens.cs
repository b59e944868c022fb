using System.Collections.Concurrent;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>The token source of every Vertex AI account, kept across policy snapshots so a rebuilt snapshot reuses the
/// cached token, while a rotated key (another fingerprint) gets a fresh source and mints on the next request.</summary>
public sealed class VertexTokens(TimeProvider clock, VertexAccountHealth health)
{
    private readonly ConcurrentDictionary<Guid, VertexTokenSource> _sources = new();

    public VertexAccountHealth Health { get; } = health;

    /// <summary>The account's token source for this key: the existing one when the key is unchanged (the key is then not
    /// read again). Null, with the reason in <paramref name="problem"/>, when the stored key cannot be read.</summary>
    public VertexTokenSource? For(Guid accountId, string accountName, string keyJson, out string? problem)
    {
        problem = null;
        var fingerprint = ServiceAccountKey.FingerprintOf(keyJson);
        if (_sources.TryGetValue(accountId, out var existing) && existing.Fingerprint == fingerprint && existing.AccountName == accountName)
            return existing;
        if (ServiceAccountKey.TryParse(keyJson, out problem) is not { } key)
            return null;
        return For(accountId, accountName, key);
    }

    /// <summary>The account's token source for this key: the existing one when the key is unchanged.</summary>
    public VertexTokenSource For(Guid accountId, string accountName, ServiceAccountKey key)
    {
        if (_sources.TryGetValue(accountId, out var existing) && existing.Fingerprint == key.Fingerprint && existing.AccountName == accountName)
            return existing;
        var fresh = new VertexTokenSource(accountId, accountName, key, clock, Health);
        _sources[accountId] = fresh;
        if (existing?.Fingerprint != key.Fingerprint)
            // A new key deserves a new verdict; the old key's refusal no longer applies.
            Health.Succeeded(accountId);
        return fresh;
    }
}
