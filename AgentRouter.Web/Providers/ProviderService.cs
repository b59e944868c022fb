using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Providers;

public sealed record ProviderView(Guid Id, string Name, string Kind, string BaseUrl, string? CredentialHint, DateTimeOffset CreatedAt, DateTimeOffset? CredentialRotatedAt);

public sealed record CreateProviderRequest(string? Name, string? Kind, string? BaseUrl, string? ApiKey);

public sealed record UpdateProviderRequest(string? Name, string? BaseUrl);

public sealed record RotateCredentialRequest(string? ApiKey);

/// <summary>Provider accounts: where requests go and the credential injected there. Credentials are encrypted at
/// rest and only their last four characters are ever shown again.</summary>
public sealed class ProviderService(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, IHttpClientFactory http)
{
    /// <summary>Asks the provider to list its models with the stored credential: proves the URL and the key work.</summary>
    public async Task<(bool Ok, string Message)> TestConnectionAsync(Guid id, CancellationToken cancellationToken)
    {
        var account = await factory.Query(db => db.ProviderAccounts.FindAsync([id], cancellationToken).AsTask(), cancellationToken);
        if (account is null)
            return (false, "No such provider account.");
        if (account.Kind == ProviderKind.Sandbox)
            return (true, "The sandbox answers in process.");
        var credential = account.CredentialCipher is null ? "" : secrets.Unprotect(account.CredentialCipher);
        using var request = new HttpRequestMessage(HttpMethod.Get, account.Kind switch
        {
            ProviderKind.Anthropic => account.BaseUrl + "/v1/models",
            ProviderKind.OpenAI => account.BaseUrl + "/models",
            _ => account.BaseUrl + "/v1beta/models",
        });
        switch (account.Kind)
        {
            case ProviderKind.Anthropic:
                request.Headers.Add("x-api-key", credential);
                request.Headers.Add("anthropic-version", "2023-06-01");
                break;
            case ProviderKind.OpenAI:
                request.Headers.Authorization = new("Bearer", credential);
                break;
            default:
                request.Headers.Add("x-goog-api-key", credential);
                break;
        }
        try
        {
            using var response = await http.CreateClient(nameof(ProviderService)).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? (true, $"Connected: {account.Name} answered {(int)response.StatusCode}.")
                : (false, $"{account.Name} answered {(int)response.StatusCode} {response.ReasonPhrase}: check the base URL and the credential.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (false, $"{account.Name} could not be reached: {ex.Message}");
        }
    }

    /// <summary>The default API root per kind, as each provider's own SDK takes it.</summary>
    public static string DefaultBaseUrl(ProviderKind kind) => kind switch
    {
        ProviderKind.Anthropic => "https://api.anthropic.com",
        ProviderKind.OpenAI => "https://api.openai.com/v1",
        ProviderKind.Gemini => "https://generativelanguage.googleapis.com",
        _ => SandboxBaseUrl,
    };

    /// <summary>Never resolved: sandbox requests are answered in process.</summary>
    public const string SandboxBaseUrl = "http://sandbox.invalid";

    public static string Wire(ProviderKind kind) => kind.ToString().ToLowerInvariant();

    public static ProviderView View(ProviderAccount a) => new(a.Id, a.Name, Wire(a.Kind), a.BaseUrl, a.CredentialHint, a.CreatedAt, a.CredentialRotatedAt);

    public Task<List<ProviderView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.ProviderAccounts.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken)).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<ProviderView>> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await factory.Query(db => db.ProviderAccounts.FindAsync([id], cancellationToken).AsTask(), cancellationToken) is { } account
            ? View(account) : AdminResult<ProviderView>.NotFound($"No provider account {id}.");

    public async Task<AdminResult<ProviderView>> CreateAsync(CreateProviderRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var name = ValidName(request.Name, problems);
        ProviderKind kind = default;
        problems.Require(request.Kind is not null && Enum.TryParse(request.Kind, ignoreCase: true, out kind) && Enum.IsDefined(kind),
            "kind", "Kind must be one of: anthropic, openai, gemini, sandbox.");
        var baseUrl = string.IsNullOrWhiteSpace(request.BaseUrl) ? DefaultBaseUrl(kind) : request.BaseUrl.Trim();
        ValidateBaseUrl(baseUrl, problems);
        if (kind != ProviderKind.Sandbox)
            problems.Require(!string.IsNullOrWhiteSpace(request.ApiKey), "apiKey", "An API key is required for this provider kind.");

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (name is not null && await db.ProviderAccounts.AnyAsync(a => a.Name == name, cancellationToken))
            problems.Add("name", $"A provider account named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<ProviderView>.Invalid(problems);

        var account = new ProviderAccount { Name = name!, Kind = kind, BaseUrl = baseUrl.TrimEnd('/'), CreatedAt = actor.At };
        if (!string.IsNullOrWhiteSpace(request.ApiKey))
            (account.CredentialCipher, account.CredentialHint) = secrets.Protect(request.ApiKey.Trim());
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
        var problems = new Problems();
        var name = ValidName(request.Name, problems);
        var baseUrl = string.IsNullOrWhiteSpace(request.BaseUrl) ? account.BaseUrl : request.BaseUrl.Trim();
        ValidateBaseUrl(baseUrl, problems);
        if (name is not null && await db.ProviderAccounts.AnyAsync(a => a.Name == name && a.Id != id, cancellationToken))
            problems.Add("name", $"A provider account named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<ProviderView>.Invalid(problems);

        var before = View(account);
        account.Name = name!;
        account.BaseUrl = baseUrl.TrimEnd('/');
        db.Audit(actor, "provider.updated", "ProviderAccount", id, before, View(account));
        await db.SaveChangesAsync(cancellationToken);
        return View(account);
    }

    /// <summary>Replaces the credential in place; the next request through the gateway uses the new one.</summary>
    public async Task<AdminResult<ProviderView>> RotateCredentialAsync(Guid id, RotateCredentialRequest request, Actor actor, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.ApiKey))
            return AdminResult<ProviderView>.Invalid(new Problems().Add("apiKey", "The new API key is required."));
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var account = await db.ProviderAccounts.FindAsync([id], cancellationToken);
        if (account is null)
            return AdminResult<ProviderView>.NotFound($"No provider account {id}.");
        var before = View(account);
        (account.CredentialCipher, account.CredentialHint) = secrets.Protect(request.ApiKey.Trim());
        account.CredentialRotatedAt = actor.At;
        db.Audit(actor, "provider.credential-rotated", "ProviderAccount", id, before, View(account));
        await db.SaveChangesAsync(cancellationToken);
        return View(account);
    }

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
