using AgentRouter.Web.Gateway;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Providers;

/// <param name="Settings">The kind's non-secret settings (a JSON object), when it has any.</param>
public sealed record ProviderView(Guid Id, string Name, string Kind, string BaseUrl, string? CredentialHint, DateTimeOffset CreatedAt, DateTimeOffset? CredentialRotatedAt,
    JsonElement? Settings = null);

/// <summary>A new provider account. <paramref name="Credential"/> is the kind's secret (an API key string, a service
/// account JSON object, AWS keys…); <paramref name="ApiKey"/> stays accepted as an alias for an API key.</summary>
public sealed record CreateProviderRequest(string? Name, string? Kind, string? BaseUrl, JsonElement? Settings = null, JsonElement? Credential = null, string? ApiKey = null);

/// <summary>Edits an account's name, base URL and settings; what is absent stays as it is.</summary>
public sealed record UpdateProviderRequest(string? Name, string? BaseUrl, JsonElement? Settings = null);

public sealed record RotateCredentialRequest(JsonElement? Credential = null, string? ApiKey = null);

/// <summary>Provider accounts: where requests go and the credential injected there. Credentials are encrypted at
/// rest and only a hint of them is ever shown again. What each kind needs comes from its adapter.</summary>
public sealed class ProviderService(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, ProviderAdapters adapters, IHttpClientFactory http)
{
    public ProviderAdapters Adapters => adapters;

    /// <summary>Asks the provider for something cheap with the stored credential: proves the URL and the credential work.</summary>
    public async Task<(bool Ok, string Message)> TestConnectionAsync(Guid id, CancellationToken cancellationToken)
    {
        var account = await factory.Query(db => db.ProviderAccounts.FindAsync([id], cancellationToken).AsTask(), cancellationToken);
        if (account is null)
            return (false, "No such provider account.");
        var upstream = adapters.Upstream(account, secrets);
        var result = await upstream.Adapter.TestConnectionAsync(upstream, http.CreateClient(nameof(ProviderService)), cancellationToken);
        return (result.Ok, result.Message);
    }

    public ProviderView View(ProviderAccount a) => View(a, adapters[a.Kind].Name);

    public static ProviderView View(ProviderAccount a, string kindName) => new(a.Id, a.Name, kindName, a.BaseUrl, a.CredentialHint, a.CreatedAt, a.CredentialRotatedAt,
        Parse(a.Settings));

    public Task<List<ProviderView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.ProviderAccounts.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken)).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<ProviderView>> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await factory.Query(db => db.ProviderAccounts.FindAsync([id], cancellationToken).AsTask(), cancellationToken) is { } account
            ? View(account) : AdminResult<ProviderView>.NotFound($"No provider account {id}.");

    public async Task<AdminResult<ProviderView>> CreateAsync(CreateProviderRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var name = ValidName(request.Name, problems);
        var adapter = adapters.Find(request.Kind);
        problems.Require(adapter is not null, "kind", $"Kind must be one of: {adapters.Names}.");
        var baseUrl = string.IsNullOrWhiteSpace(request.BaseUrl) ? adapter?.DefaultBaseUrl ?? "" : request.BaseUrl.Trim();
        ValidateBaseUrl(baseUrl, problems);
        var configuration = default(ProviderConfiguration);
        if (adapter is not null)
        {
            configuration = adapter.Configure(request.Settings, Credential(request.Credential, request.ApiKey, problems), problems);
            if (adapter.RequiresCredential && configuration.Secret is null && !problems.Has("credential"))
                problems.Add("credential", $"A credential is required for a {adapter.DisplayName} account.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (name is not null && await db.ProviderAccounts.AnyAsync(a => a.Name == name, cancellationToken))
            problems.Add("name", $"A provider account named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<ProviderView>.Invalid(problems);

        var account = new ProviderAccount { Name = name!, Kind = adapter!.Kind, BaseUrl = baseUrl.TrimEnd('/'), Settings = configuration.Settings, CreatedAt = actor.At };
        if (configuration.Secret is { } secret)
            (account.CredentialCipher, account.CredentialHint) = (secrets.Protect(secret).Cipher, adapter.Hint(secret));
        db.ProviderAccounts.Add(account);
        db.Audit(actor, "provider.created", "ProviderAccount", account.Id, null, View(account));
        await db.SaveChangesAsync(cancellationToken);
        return View(account);
    }

    public async Task<AdminResult<ProviderView>> UpdateAsync(Guid id, UpdateProviderRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var account = await db.ProviderAccounts.FindAsync([id], cancellationToken);
        if (account is null)
            return AdminResult<ProviderView>.NotFound($"No provider account {id}.");
        var adapter = adapters[account.Kind];
        var problems = new Problems();
        var name = ValidName(request.Name ?? account.Name, problems);
        var baseUrl = string.IsNullOrWhiteSpace(request.BaseUrl) ? account.BaseUrl : request.BaseUrl.Trim();
        ValidateBaseUrl(baseUrl, problems);
        var settings = account.Settings;
        if (request.Settings is { } given)
            settings = adapter.Configure(given, null, problems).Settings;
        if (name is not null && await db.ProviderAccounts.AnyAsync(a => a.Name == name && a.Id != id, cancellationToken))
            problems.Add("name", $"A provider account named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<ProviderView>.Invalid(problems);

        var before = View(account);
        account.Name = name!;
        account.BaseUrl = baseUrl.TrimEnd('/');
        account.Settings = settings;
        db.Audit(actor, "provider.updated", "ProviderAccount", id, before, View(account));
        await db.SaveChangesAsync(cancellationToken);
        return View(account);
    }

    /// <summary>Replaces the credential in place; the next request through the gateway uses the new one.</summary>
    public async Task<AdminResult<ProviderView>> RotateCredentialAsync(Guid id, RotateCredentialRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var account = await db.ProviderAccounts.FindAsync([id], cancellationToken);
        if (account is null)
            return AdminResult<ProviderView>.NotFound($"No provider account {id}.");
        var adapter = adapters[account.Kind];
        var problems = new Problems();
        var credential = Credential(request.Credential, request.ApiKey, problems);
        // Settings are checked as stored, so a kind whose settings are required does not refuse a bare rotation.
        var secret = credential is null ? null : adapter.Configure(Parse(account.Settings), credential, problems).Secret;
        if (secret is null && !problems.Has("credential"))
            problems.Add("credential", "The new credential is required.");
        if (problems.Any)
            return AdminResult<ProviderView>.Invalid(problems);
        var before = View(account);
        (account.CredentialCipher, account.CredentialHint) = (secrets.Protect(secret!).Cipher, adapter.Hint(secret!));
        account.CredentialRotatedAt = actor.At;
        db.Audit(actor, "provider.credential-rotated", "ProviderAccount", id, before, View(account));
        await db.SaveChangesAsync(cancellationToken);
        return View(account);
    }

    /// <summary>The credential as given: <c>credential</c>, or the <c>apiKey</c> alias; both at once is ambiguous.</summary>
    private static JsonElement? Credential(JsonElement? credential, string? apiKey, Problems problems)
    {
        var given = credential is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } ? credential : null;
        if (given is not null && apiKey is not null)
        {
            problems.Add("credential", "Send the credential once: either \"credential\" or its alias \"apiKey\".");
            return null;
        }
        return given ?? (apiKey is null ? null : JsonSerializer.SerializeToElement(apiKey));
    }

    private static JsonElement? Parse(string? settings) => settings is null ? null : JsonDocument.Parse(settings).RootElement.Clone();

    private static string? ValidName(string? name, Problems problems)
    {
        var trimmed = name?.Trim();
        problems.Require(!string.IsNullOrEmpty(trimmed) && trimmed.Length <= 100, "name", "Name is required (at most 100 characters).");
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    private static void ValidateBaseUrl(string baseUrl, Problems problems) =>
        problems.Require(Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query),
            "baseUrl", "Base URL must be an absolute http(s) URL without a query, e.g. https://api.anthropic.com.");
}
