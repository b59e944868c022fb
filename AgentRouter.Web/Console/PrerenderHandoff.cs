using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;

namespace AgentRouter.Web.Console;

/// <summary>Lets a console page read its data once per page view. The console prerenders: a page's first load runs once
/// for the HTML and again when the circuit starts. What the prerender read is kept here, in the server's memory, under a
/// random single-use token; the token alone travels in the page's persistent component state, and the interactive render
/// takes the result back by it instead of querying again.
/// <para>The data itself is not persisted: a month of Finance rows is hundreds of kilobytes, which would make every page
/// heavier and exceed SignalR's 32 KB limit on the message that starts the circuit, and the token carries nothing the page
/// does not show. Without a token (a navigation inside the circuit, a circuit that started after the entry expired, or
/// one started for another user) the page simply queries.</para></summary>
public sealed class PrerenderHandoff(PersistentComponentState state, PrerenderedResults results, AuthenticationStateProvider authentication) : IDisposable
{
    private const string Prefix = "handoff:";
    private readonly Dictionary<string, string> _tokens = [];
    private PersistingComponentStateSubscription? _persisting;

    /// <summary>The result of <paramref name="load"/> for <paramref name="key"/>: while prerendering, loads it and keeps it
    /// for the interactive render; when interactive, takes what the prerender of this page view kept, or loads it. The
    /// key must name everything the result depends on (a page's filters), so that a different view never gets it.</summary>
    public async Task<T> OnceAsync<T>(string key, bool interactive, Func<Task<T>> load) where T : notnull
    {
        var user = await UserAsync();
        if (interactive)
            return state.TryTakeFromJson<string>(Prefix + key, out var token) && token is not null && results.TryTake<T>(token, key, user, out var kept)
                ? kept
                : await load();

        var value = await load();
        if (results.Add(key, user, value) is { } added)
        {
            if (_tokens.Remove(key, out var replaced))
                results.Remove(replaced);
            _tokens[key] = added;
            _persisting ??= state.RegisterOnPersisting(() =>
            {
                foreach (var (name, token) in _tokens)
                    state.PersistAsJson(Prefix + name, token);
                return Task.CompletedTask;
            }, RenderMode.InteractiveServer);
        }
        return value;
    }

    private async Task<string> UserAsync()
    {
        var user = (await authentication.GetAuthenticationStateAsync()).User;
        return user.FindFirstValue(ClaimTypes.NameIdentifier) ?? user.Identity?.Name ?? "";
    }

    public void Dispose() => _persisting?.Dispose();
}

/// <summary>Results of prerendered pages waiting for their interactive render (see <see cref="PrerenderHandoff"/>): each
/// taken once, by the same user and key, within <see cref="Lifetime"/>; at most <see cref="Capacity"/> wait at a time
/// (beyond that a page's circuit queries again).</summary>
public sealed class PrerenderedResults(TimeProvider clock)
{
    public const int Capacity = 64;
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    private sealed record Entry(string Key, string User, object Value, DateTimeOffset Expires);

    /// <summary>Keeps a result; returns its token, or null when full.</summary>
    public string? Add(string key, string user, object value)
    {
        var now = clock.GetUtcNow();
        foreach (var (token, entry) in _entries)
            if (entry.Expires <= now)
                _entries.TryRemove(token, out _);
        if (_entries.Count >= Capacity)
            return null;
        var added = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _entries[added] = new Entry(key, user, value, now + Lifetime);
        return added;
    }

    /// <summary>Takes a kept result (it is gone afterwards, whether or not it matched).</summary>
    public bool TryTake<T>(string token, string key, string user, [MaybeNullWhen(false)] out T value)
    {
        value = default;
        if (!_entries.TryRemove(token, out var entry) || entry.Key != key || entry.User != user || entry.Expires <= clock.GetUtcNow() || entry.Value is not T kept)
            return false;
        value = kept;
        return true;
    }

    public void Remove(string token) => _entries.TryRemove(token, out _);

    /// <summary>Results waiting now.</summary>
    public int Count => _entries.Count;
}
