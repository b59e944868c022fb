using System.Collections.Frozen;
using AgentRouter.Web.Gateway;
using AgentRouter.Web.Providers.Anthropic;
using AgentRouter.Web.Providers.Gemini;
using AgentRouter.Web.Providers.OpenAI;
using AgentRouter.Web.Providers.Sandbox;

namespace AgentRouter.Web.Providers;

/// <summary>The registered provider adapters, by kind and by wire name. Adding a provider means adding its folder and
/// one line in <see cref="AddProviderAdapters"/>.</summary>
public sealed class ProviderAdapters
{
    private readonly FrozenDictionary<ProviderKind, IProviderAdapter> _byKind;
    private readonly FrozenDictionary<string, IProviderAdapter> _byName;

    public ProviderAdapters(IEnumerable<IProviderAdapter> adapters)
    {
        All = [.. adapters];
        _byKind = All.ToFrozenDictionary(a => a.Kind);
        _byName = All.ToFrozenDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        var missing = Enum.GetValues<ProviderKind>().Where(k => !_byKind.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"No provider adapter is registered for {string.Join(", ", missing)}.");
    }

    /// <summary>Every adapter, in registration order (the console lists kinds in this order).</summary>
    public IReadOnlyList<IProviderAdapter> All { get; }

    public IProviderAdapter this[ProviderKind kind] => _byKind[kind];

    /// <summary>The adapter for a wire name such as <c>vertex-ai</c> (any letter case), or the enum's own name.</summary>
    public IProviderAdapter? Find(string? name) =>
        name is null ? null
        : _byName.TryGetValue(name, out var adapter) ? adapter
        : Enum.TryParse<ProviderKind>(name, ignoreCase: true, out var kind) && !int.TryParse(name, out _) && _byKind.TryGetValue(kind, out adapter) ? adapter
        : null;

    /// <summary>The account as the gateway uses it, its secret decrypted and its adapter's state bound.</summary>
    public UpstreamAccount Upstream(ProviderAccount account, Data.SecretProtector secrets) =>
        new(account.Id, account.Name, this[account.Kind], account.BaseUrl, account.CredentialCipher is null ? null : secrets.Unprotect(account.CredentialCipher), account.Settings);

    public string Names => string.Join(", ", All.Select(a => a.Name));
}

public static class ProviderAdapterRegistration
{
    /// <summary>Registers one adapter per provider kind and the registry over them.</summary>
    public static IServiceCollection AddProviderAdapters(this IServiceCollection services)
    {
        services.AddSingleton<IProviderAdapter, AnthropicAdapter>();
        services.AddSingleton<IProviderAdapter, OpenAIAdapter>();
        services.AddSingleton<IProviderAdapter, GeminiAdapter>();
        services.AddSingleton<IProviderAdapter, SandboxAdapter>();
        services.AddSingleton<ProviderAdapters>();
        return services;
    }
}
