using AgentRouter.Web.Keys;

namespace AgentRouter.Web.Gateway;

/// <summary>What of the caller's request line and headers may travel upstream: an allow-list per provider (common names here, each adapter's own beside it), so a
/// credential or account selector the caller slipped in anywhere (another key header, an organisation or project
/// header, a query parameter in any letter case) never reaches the provider. Values that hold an Agent Router key are
/// dropped even from allowed names.</summary>
public static class ForwardedHeaders
{
    /// <summary>Forwarded to every provider: content negotiation, the client's identity and the tracing context.</summary>
    private static readonly string[] Common = ["accept", "content-type", "user-agent", "traceparent", "tracestate", "x-claude-code-session-id"];

    /// <summary>The SDKs' own telemetry headers (<c>x-stainless-lang</c>, <c>x-stainless-retry-count</c>, …).</summary>
    private const string StainlessPrefix = "x-stainless-";

    /// <summary>Query parameters forwarded (by exact name): Gemini's <c>alt=sse</c> and Claude Code's <c>beta=true</c>.</summary>
    private static readonly string[] Query = ["alt", "beta"];

    /// <summary>Whether a request header may be forwarded to any provider; each adapter adds its own names
    /// (<see cref="Providers.IProviderAdapter.IsHeaderAllowed"/>).</summary>
    public static bool IsCommon(string name) => Contains(Common, name) || name.StartsWith(StainlessPrefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The caller's query string reduced to the allowed parameters, by exact name (the raw string is read
    /// pair by pair, since the request's query collection folds letter case), none of whose values holds a key.</summary>
    public static QueryString FilterQuery(QueryString original)
    {
        if (!original.HasValue)
            return original;
        var raw = original.Value.AsSpan(1);
        System.Text.StringBuilder? kept = null;
        var dropped = false;
        foreach (var range in raw.Split('&'))
        {
            var pair = raw[range];
            if (pair.IsEmpty)
                continue;
            var equals = pair.IndexOf('=');
            var name = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).ToString().Replace('+', ' '));
            var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].ToString().Replace('+', ' '));
            if (Array.IndexOf(Query, name) >= 0 && !KeyMaterial.ContainsApiKey(value))
                (kept ??= new System.Text.StringBuilder()).Append(kept.Length == 0 ? '?' : '&').Append(pair);
            else
                dropped = true;
        }
        return !dropped ? original : kept is null ? QueryString.Empty : new QueryString(kept.ToString());
    }

    /// <summary>Whether <paramref name="names"/> holds <paramref name="name"/>, in any letter case.</summary>
    public static bool Contains(string[] names, string name)
    {
        foreach (var allowed in names)
        {
            if (allowed.Equals(name, StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }
}
