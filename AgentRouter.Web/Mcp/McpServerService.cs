using System.Text.RegularExpressions;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Audit;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Mcp;

public sealed record McpServerView(Guid Id, string Name, string Url, McpAuthView Auth, DateTimeOffset CreatedAt, DateTimeOffset? SecretRotatedAt);

/// <summary>How the router authenticates to the server. <see cref="SecretHint"/> is the only part of the secret ever shown.</summary>
public sealed record McpAuthView(string Kind, string? Header, string? SecretHint);

public sealed record CreateMcpServerRequest(string? Name, string? Url, McpAuthRequest? Auth);

/// <param name="Kind"><c>none</c>, <c>bearer</c> (<c>Authorization: Bearer &lt;secret&gt;</c>) or <c>header</c> (<c>&lt;header&gt;: &lt;secret&gt;</c>).</param>
public sealed record McpAuthRequest(string? Kind, string? Header, string? Secret);

public sealed record RotateMcpSecretRequest(string? Secret);

/// <summary>The registry of upstream MCP servers. Secrets are encrypted at rest, never returned, and replaced in place;
/// every change is audited without them.</summary>
public sealed partial class McpServerService(IDbContextFactory<AppDbContext> factory, SecretProtector secrets)
{
    /// <summary>Headers the router sets itself or that carry the MCP session; a server credential may not replace them.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-length", "content-type", "accept", "accept-encoding", "connection", "keep-alive", "transfer-encoding",
        "te", "trailer", "upgrade", "cookie", "last-event-id", "proxy-authorization",
    };

    public static string Wire(McpAuthKind kind) => kind.ToString().ToLowerInvariant();

    public static McpServerView View(McpServer s) =>
        new(s.Id, s.Name, s.Url, new McpAuthView(Wire(s.AuthKind), s.AuthHeader, s.SecretHint), s.CreatedAt, s.SecretRotatedAt);

    public Task<List<McpServerView>> ListAsync(CancellationToken cancellationToken) =>
        factory.Query(async db => (await db.McpServers.AsNoTracking().OrderBy(s => s.Name).ToListAsync(cancellationToken)).Select(View).ToList(), cancellationToken);

    public async Task<AdminResult<McpServerView>> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await factory.Query(db => db.McpServers.FindAsync([id], cancellationToken).AsTask(), cancellationToken) is { } server
            ? View(server) : AdminResult<McpServerView>.NotFound($"No MCP server {id}.");

    public async Task<AdminResult<McpServerView>> CreateAsync(CreateMcpServerRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var problems = new Problems();
        var (name, url) = ValidateNameAndUrl(request.Name, request.Url, problems);
        var auth = ValidateAuth(request.Auth ?? new McpAuthRequest("none", null, null), keptSecret: false, problems);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (name is not null && await db.McpServers.AnyAsync(s => s.Name == name, cancellationToken))
            problems.Add("name", $"An MCP server named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<McpServerView>.Invalid(problems);

        var server = new McpServer { Name = name!, Url = url!, AuthKind = auth.Kind, AuthHeader = auth.Header, CreatedAt = actor.At };
        if (auth.Kind != McpAuthKind.None)
            (server.SecretCipher, server.SecretHint) = secrets.Protect(auth.Secret!);
        db.McpServers.Add(server);
        db.Audit(actor, "mcp-server.created", "McpServer", server.Id, null, View(server));
        await db.SaveChangesAsync(cancellationToken);
        return View(server);
    }

    /// <summary>Changes a server's name, URL or credential kind. The stored secret is kept unless a new one is given
    /// (switching from kind <c>none</c> needs one). Renaming moves its endpoint to <c>/mcp/{new name}</c>.</summary>
    public async Task<AdminResult<McpServerView>> UpdateAsync(Guid id, CreateMcpServerRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var server = await db.McpServers.FindAsync([id], cancellationToken);
        if (server is null)
            return AdminResult<McpServerView>.NotFound($"No MCP server {id}.");
        var problems = new Problems();
        var (name, url) = ValidateNameAndUrl(request.Name, request.Url, problems);
        var authRequest = request.Auth ?? new McpAuthRequest(Wire(server.AuthKind), server.AuthHeader, null);
        var auth = ValidateAuth(authRequest, keptSecret: server.AuthKind != McpAuthKind.None, problems);
        if (name is not null && await db.McpServers.AnyAsync(s => s.Name == name && s.Id != id, cancellationToken))
            problems.Add("name", $"An MCP server named '{name}' already exists.");
        if (problems.Any)
            return AdminResult<McpServerView>.Invalid(problems);

        var before = View(server);
        (server.Name, server.Url, server.AuthKind, server.AuthHeader) = (name!, url!, auth.Kind, auth.Header);
        if (auth.Kind == McpAuthKind.None)
            (server.SecretCipher, server.SecretHint) = (null, null);
        else if (!string.IsNullOrEmpty(auth.Secret))
        {
            (server.SecretCipher, server.SecretHint) = secrets.Protect(auth.Secret);
            server.SecretRotatedAt = actor.At;
        }
        db.Audit(actor, "mcp-server.updated", "McpServer", id, before, View(server));
        await db.SaveChangesAsync(cancellationToken);
        return View(server);
    }

    /// <summary>Removes a server. Refused while a team is granted it, naming those teams.</summary>
    public async Task<AdminResult<McpServerView>> DeleteAsync(Guid id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var server = await db.McpServers.FindAsync([id], cancellationToken);
        if (server is null)
            return AdminResult<McpServerView>.NotFound($"No MCP server {id}.");
        var grantedTo = await (from g in db.McpGrants join p in db.Profiles on g.ProfileId equals p.Id join t in db.Teams on p.TeamId equals t.Id
                               where g.ServerId == id select t.Name).Distinct().ToListAsync(cancellationToken);
        if (grantedTo.Count > 0)
            return AdminResult<McpServerView>.Invalid(new Problems().Add("id",
                $"'{server.Name}' is granted to {string.Join(", ", grantedTo.Order(StringComparer.Ordinal))}; revoke those grants on the team pages first."));
        var before = View(server);
        db.McpServers.Remove(server);
        db.Audit(actor, "mcp-server.deleted", "McpServer", id, before, null);
        await db.SaveChangesAsync(cancellationToken);
        return before;
    }

    private static (string? Name, string? Url) ValidateNameAndUrl(string? rawName, string? rawUrl, Problems problems)
    {
        var name = rawName?.Trim();
        problems.Require(name is { Length: > 0 and <= 64 } && NamePattern().IsMatch(name), "name",
            "Name is required: lower-case letters, digits and single hyphens, at most 64 characters (the server is reached at /mcp/{name}).");
        var url = rawUrl?.Trim();
        problems.Require(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.UserInfo),
            "url", "URL must be the server's absolute http(s) Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp, without credentials in it.");
        return (string.IsNullOrEmpty(name) ? null : name, url);
    }

    /// <param name="keptSecret">The server already holds a secret, so an empty one keeps it.</param>
    private static (McpAuthKind Kind, string? Header, string? Secret) ValidateAuth(McpAuthRequest auth, bool keptSecret, Problems problems)
    {
        McpAuthKind kind = McpAuthKind.None;
        var kindValid = auth.Kind is not null && Enum.TryParse(auth.Kind, ignoreCase: true, out kind) && Enum.IsDefined(kind) && !int.TryParse(auth.Kind, out _);
        problems.Require(kindValid, "auth.kind", "Kind must be one of: none, bearer, header.");
        var header = auth.Header?.Trim();
        var secret = auth.Secret?.Trim();
        if (kindValid)
        {
            if (kind == McpAuthKind.Header)
                problems.Require(header is { Length: > 0 and <= 100 } && HeaderPattern().IsMatch(header) && !ReservedHeaders.Contains(header)
                    && !header.StartsWith("mcp-", StringComparison.OrdinalIgnoreCase) && !header.StartsWith("x-agent-router-", StringComparison.OrdinalIgnoreCase),
                    "auth.header", "A header name is required for kind 'header' (e.g. X-Api-Key); it may not be a header the router or MCP itself uses.");
            else
                problems.Require(header is null or "", "auth.header", "A header name is only accepted with kind 'header'.");
            if (kind == McpAuthKind.None)
                problems.Require(string.IsNullOrEmpty(secret), "auth.secret", "Kind 'none' takes no secret.");
            else if (string.IsNullOrEmpty(secret))
                problems.Require(keptSecret, "auth.secret", "A secret is required for this kind (single line).");
            else
                problems.Require(!secret.Any(char.IsControl), "auth.secret", "A secret is required for this kind (single line).");
        }
        return (kind, kind == McpAuthKind.Header ? header : null, secret);
    }

    /// <summary>Replaces the secret in place; the next request through the MCP gateway presents the new one.</summary>
    public async Task<AdminResult<McpServerView>> RotateSecretAsync(Guid id, RotateMcpSecretRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var secret = request.Secret?.Trim();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var server = await db.McpServers.FindAsync([id], cancellationToken);
        if (server is null)
            return AdminResult<McpServerView>.NotFound($"No MCP server {id}.");
        if (server.AuthKind == McpAuthKind.None)
            return AdminResult<McpServerView>.Invalid(new Problems().Add("secret", "This server is registered without authentication (kind 'none'); it has no secret to rotate."));
        if (string.IsNullOrEmpty(secret) || secret.Any(char.IsControl))
            return AdminResult<McpServerView>.Invalid(new Problems().Add("secret", "The new secret is required (single line)."));

        var before = View(server);
        (server.SecretCipher, server.SecretHint) = secrets.Protect(secret);
        server.SecretRotatedAt = actor.At;
        db.Audit(actor, "mcp-server.secret-rotated", "McpServer", id, before, View(server));
        await db.SaveChangesAsync(cancellationToken);
        return View(server);
    }

    // No underscores: "__" separates server and tool names on the aggregated endpoint.
    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")]
    private static partial Regex HeaderPattern();
}
