using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using AgentRouter.Web.Data;
using AgentRouter.Web.Keys;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Admin;

/// <summary>Authenticates the admin REST API by bearer token: a stored admin API token, or the value of the
/// <c>AGENTROUTER_ADMIN_TOKEN</c> environment variable when it is set (bootstrap and automation).</summary>
internal sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminToken";
    public const string EnvironmentVariable = "AGENTROUTER_ADMIN_TOKEN";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return AuthenticateResult.NoResult();
        var actor = await tokens.ValidateAsync(header[7..].Trim(), Context.RequestAborted);
        return actor is null ? AuthenticateResult.Fail("Invalid admin token.") : Success(actor);
    }

    private AuthenticateResult Success(string name)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, Roles.Admin)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}

/// <summary>Console and API roles.</summary>
public static class Roles
{
    public const string Admin = "Admin";
    public const string Finance = "Finance";
    public const string Developer = "Developer";
}
