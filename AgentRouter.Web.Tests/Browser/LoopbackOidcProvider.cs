using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace AgentRouter.Web.Tests.Browser;

/// <summary>A person at the test identity provider, and the groups the provider puts in their ID token.</summary>
public sealed record IdpUser(string Subject, string Email, string Name, IReadOnlyList<string> Groups);

/// <summary>A real OpenID Connect provider on a loopback port, built with OpenIddict: discovery, JWKS, authorization
/// endpoint (code flow, PKCE required), token endpoint, RSA signing key generated here. Its own sign-in page takes a
/// user name; <see cref="Users"/> can change between sign-ins (a user moved between groups).</summary>
public sealed class LoopbackOidcProvider : IAsyncDisposable
{
    public const string ClientId = "agentrouter-console";
    public const string ClientSecret = "loopback-client-secret-0123456789";
    private const string SessionScheme = "idp-session";

    private readonly WebApplication _app;
    private readonly SqliteConnection _store;

    private LoopbackOidcProvider(WebApplication app, SqliteConnection store) => (_app, _store) = (app, store);

    public ConcurrentDictionary<string, IdpUser> Users { get; } = new(StringComparer.Ordinal);

    /// <summary>The issuer: "http://127.0.0.1:PORT/".</summary>
    public string Issuer => _app.Urls.Single() + "/";

    public static async Task<LoopbackOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        // OpenIddict keeps clients, codes and tokens in its EF Core store: an in-memory SQLite database held open here.
        var store = new SqliteConnection("Data Source=:memory:");
        await store.OpenAsync();
        builder.Services.AddDbContext<IdpStore>(db => db.UseSqlite(store).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdpStore>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile, "groups");
                server.AddSigningKey(new RsaSecurityKey(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") });
                server.AddEncryptionKey(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)));
                server.DisableAccessTokenEncryption();
                server.UseAspNetCore().EnableAuthorizationEndpointPassthrough().DisableTransportSecurityRequirement();
            });
        builder.Services.AddAuthentication(SessionScheme).AddCookie(SessionScheme, cookie =>
        {
            cookie.Cookie.Name = "idp.session";
            cookie.LoginPath = "/login";
        });
        var app = builder.Build();
        var provider = new LoopbackOidcProvider(app, store);
        app.UseAuthentication();
        app.MapGet("/login", (string? returnUrl) => Results.Content(
            $"""
            <!doctype html><html><head><title>Loopback IdP</title></head><body>
            <h1>Loopback identity provider</h1>
            <form method="post" action="/login">
              <input type="hidden" name="returnUrl" value="{HtmlEncoder.Default.Encode(returnUrl ?? "/")}" />
              <label for="username">Username</label><input id="username" name="username" />
              <button type="submit">Sign in to the IdP</button>
            </form></body></html>
            """, "text/html"));
        app.MapPost("/login", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            var username = form["username"].ToString();
            if (!provider.Users.ContainsKey(username))
                return Results.Unauthorized();
            await http.SignInAsync(SessionScheme, new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, username)], SessionScheme)));
            var returnUrl = form["returnUrl"].ToString();
            return Results.Redirect(returnUrl.StartsWith('/') ? returnUrl : "/");
        });
        app.MapMethods("/connect/authorize", ["GET", "POST"], async (HttpContext http) =>
        {
            var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
            var session = await http.AuthenticateAsync(SessionScheme);
            if (!session.Succeeded || !provider.Users.TryGetValue(session.Principal!.Identity!.Name!, out var user))
                return Results.Challenge(new AuthenticationProperties { RedirectUri = http.Request.Path + http.Request.QueryString }, [SessionScheme]);

            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, user.Subject).SetClaim(Claims.Email, user.Email).SetClaim(Claims.EmailVerified, "true")
                .SetClaim(Claims.Name, user.Name).SetClaims("groups", [.. user.Groups]);
            identity.SetScopes(request.GetScopes());
            identity.SetDestinations(_ => [Destinations.IdentityToken, Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<IdpStore>().Database.EnsureCreatedAsync();
        await app.StartAsync();
        return provider;
    }

    /// <summary>Registers the console as a confidential client that must use PKCE, redirecting to <paramref name="redirectUri"/>.</summary>
    public async Task RegisterClientAsync(string redirectUri)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientType = ClientTypes.Confidential,
            RedirectUris = { new Uri(redirectUri) },
            Permissions =
            {
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                Permissions.ResponseTypes.Code, Permissions.Scopes.Email, Permissions.Scopes.Profile, Permissions.Prefixes.Scope + "groups",
            },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _store.DisposeAsync();
    }

    private sealed class IdpStore(DbContextOptions<IdpStore> options) : DbContext(options);
}
