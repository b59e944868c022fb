using AgentRouter.Web.Keys;
using Microsoft.Extensions.Primitives;

namespace AgentRouter.Web.Gateway;

/// <summary>Pipeline step 1: finds the caller's Agent Router key, wherever their SDK put it, and checks it.</summary>
public sealed class KeyIdentifier(PolicyCache policy, TimeProvider clock)
{
    /// <summary>Headers that may carry the key, in the order they are consulted. <c>x-agent-router-key</c> comes first
    /// because a passthrough caller's <c>Authorization</c> holds their own provider token.</summary>
    public static readonly string[] KeyHeaders = ["x-agent-router-key", "x-api-key", "authorization", "x-goog-api-key"];

    private const string Unauthenticated = "Invalid Agent Router API key. Pass the key your platform team issued (ar_…) as your SDK's API key.";

    public KeyGrant? Identify(HttpRequest request, out GatewayError? error)
    {
        var candidate = FindCandidate(request);
        if (candidate.IsEmpty)
        {
            error = GatewayError.Unauthenticated(IsProviderOAuthToken(request)
                ? "This request carries a provider OAuth token but no Agent Router key. Add your ar_… key in the x-agent-router-key header (for Claude Code: ANTHROPIC_CUSTOM_HEADERS=\"x-agent-router-key: ar_…\")."
                : "Missing Agent Router API key. Pass the key your platform team issued (ar_…) as your SDK's API key.");
            return null;
        }

        Span<char> hash = stackalloc char[64];
        var grant = KeyMaterial.TryHash(candidate, hash) ? policy.Current.FindKey(hash) : null;
        if (grant is null || grant.ExpiresAt <= clock.GetUtcNow())
        {
            // Same answer for unknown, revoked and expired keys: no hint whether a key exists.
            error = GatewayError.Unauthenticated(Unauthenticated);
            return null;
        }
        error = null;
        return grant;
    }

    /// <summary>The developer's own provider token when they identify with <c>x-agent-router-key</c> and keep their
    /// subscription's token in <c>Authorization</c> (passthrough billing); else null.</summary>
    public static string? PassthroughToken(HttpRequest request)
    {
        if (Candidate(request.Headers["x-agent-router-key"]).IsEmpty)
            return null;
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return null;
        var token = authorization[7..].Trim();
        return token.Length == 0 || KeyMaterial.LooksLikeApiKey(token) ? null : token;
    }

    private static ReadOnlySpan<char> FindCandidate(HttpRequest request)
    {
        var headers = request.Headers;
        foreach (var name in KeyHeaders)
        {
            if (headers.TryGetValue(name, out var values) && Candidate(values) is { IsEmpty: false } found)
                return found;
        }
        return request.Query.TryGetValue("key", out var query) ? Candidate(query) : default;
    }

    private static ReadOnlySpan<char> Candidate(StringValues values)
    {
        var value = values.ToString().AsSpan().Trim();
        if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            value = value[7..].Trim();
        return KeyMaterial.LooksLikeApiKey(value) ? value : default;
    }

    private static bool IsProviderOAuthToken(HttpRequest request) =>
        request.Headers.Authorization.ToString().Contains("sk-ant-oat", StringComparison.Ordinal);
}
