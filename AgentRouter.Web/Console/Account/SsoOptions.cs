using AgentRouter.Web.Admin;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Console.Account;

/// <summary>OpenID Connect sign-in for the console (Entra ID, Okta, Google, Keycloak, …). Bound from <c>Sso</c>;
/// on when <see cref="Authority"/> is set.</summary>
public sealed class SsoOptions
{
    public const string Section = "Sso";

    /// <summary>The authentication scheme, and the login-provider name stored with each linked user.</summary>
    public const string Scheme = "oidc";

    /// <summary>The issuer URL; its <c>/.well-known/openid-configuration</c> is read at first use.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    /// <summary>A secret: give it through an environment variable or a secret store, not appsettings.json.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in button says: "Sign in with …".</summary>
    public string DisplayName { get; set; } = "single sign-on";

    /// <summary>Scopes asked for besides <c>openid profile email</c> (Okta: <c>groups</c>).</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The claim whose values decide roles: <c>groups</c> (Okta, Keycloak, Entra group ids) or <c>roles</c> (Entra app roles).</summary>
    public string RoleClaim { get; set; } = "groups";

    /// <summary>Role (Admin, Finance, Developer) → claim values that grant it. A user with none of them is refused,
    /// and loses the roles they had at their next sign-in.</summary>
    public Dictionary<string, List<string>> RoleMapping { get; set; } = [];

    /// <summary>The claim holding the user's email (Entra without the email claim: <c>preferred_username</c>).</summary>
    public string EmailClaim { get; set; } = "email";

    /// <summary>Also read claims from the userinfo endpoint (for providers that leave groups out of the ID token).</summary>
    public bool UseUserInfo { get; set; }

    /// <summary>Off only for a provider on plain http in a lab or a test.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>False turns email + password sign-in (and the first-admin setup) off; SSO must then be configured.</summary>
    public bool LocalPasswords { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}

internal sealed class ValidateSsoOptions : IValidateOptions<SsoOptions>
{
    public ValidateOptionsResult Validate(string? name, SsoOptions options)
    {
        List<string> problems = [];
        if (!options.Enabled)
        {
            if (!options.LocalPasswords)
                problems.Add("Sso:LocalPasswords can be false only when Sso:Authority is set: nobody could sign in.");
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
        if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            problems.Add("Sso:Authority must be the issuer's absolute URL.");
        else if (authority.Scheme == "http" && options.RequireHttpsMetadata)
            problems.Add("Sso:Authority must use https (set Sso:RequireHttpsMetadata=false only for a lab provider).");
        if (string.IsNullOrWhiteSpace(options.ClientId))
            problems.Add("Sso:ClientId is required.");
        if (string.IsNullOrWhiteSpace(options.RoleClaim))
            problems.Add("Sso:RoleClaim is required (e.g. groups or roles).");
        if (string.IsNullOrWhiteSpace(options.EmailClaim))
            problems.Add("Sso:EmailClaim is required (e.g. email).");
        foreach (var role in options.RoleMapping.Keys.Where(r => !ConsoleUsers.AllRoles.Contains(r)))
            problems.Add($"Sso:RoleMapping:{role} is not a role; use {string.Join(", ", ConsoleUsers.AllRoles)}.");
        if (!options.RoleMapping.Values.Any(v => v.Any(g => !string.IsNullOrWhiteSpace(g))))
            problems.Add($"Sso:RoleMapping must map at least one {options.RoleClaim} value to a role, e.g. Sso:RoleMapping:{Roles.Admin}:0=platform-admins.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
