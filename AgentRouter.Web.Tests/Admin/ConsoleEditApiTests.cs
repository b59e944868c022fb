using System.Net;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Admin;

/// <summary>What the console edits, through the admin API it shares: catalog deletes, provider edits, console users.</summary>
public sealed class ConsoleEditApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Password = "a-long-enough-passphrase";

    [Fact]
    public async Task CatalogDelete_IsRefusedWhileAProfilePinsTheModel_ThenRemovesIt()
    {
        var s = await fixture.ScenarioAsync("anthropic", "pinned-public", $"pinned-upstream-{Guid.NewGuid():N}");
        var admin = s.Admin;

        var refused = await admin.SendAsync(HttpMethod.Delete, $"/api/admin/catalog/{s.UpstreamModel}", expected: HttpStatusCode.BadRequest);
        await admin.PutProfileAsync(s.TeamId);
        await admin.SendAsync(HttpMethod.Delete, $"/api/admin/catalog/{s.UpstreamModel}");
        var catalog = await admin.Http.GetStringAsync("/api/admin/catalog");
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=CatalogEntry&entityId={s.UpstreamModel}");

        Assert.Contains("pinned by", refused["errors"]!["model"]![0]!.GetValue<string>());
        Assert.DoesNotContain(s.UpstreamModel, catalog);
        Assert.Contains("catalog.deleted", audit);
        await admin.SendAsync(HttpMethod.Delete, $"/api/admin/catalog/{s.UpstreamModel}", expected: HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ProviderEdit_ChangesNameAndBaseUrl_AndIsAudited()
    {
        var admin = fixture.Router.Admin();
        var id = await admin.CreateProviderAsync("openai", "https://api.openai.com/v1", "sk-test-000000001");
        var name = $"Renamed {Guid.NewGuid():N}"[..16];

        var edited = await admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{id}", new { name, baseUrl = fixture.OpenAI.BaseUrl });
        var bad = await admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{id}", new { name, baseUrl = "ftp://nowhere" }, HttpStatusCode.BadRequest);
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=ProviderAccount&entityId={id}");

        Assert.Equal((name, fixture.OpenAI.BaseUrl.TrimEnd('/')), (edited["name"]!.GetValue<string>(), edited["baseUrl"]!.GetValue<string>()));
        Assert.True(bad["errors"]!.AsObject().ContainsKey("baseUrl"));
        Assert.Contains("provider.updated", audit);
    }

    [Fact]
    public async Task ConsoleUsers_ChangeRole_DisableEnable_AndResetPassword_AreAudited()
    {
        var admin = fixture.Router.Admin();
        var email = $"user-{Guid.NewGuid():N}@corp.example";
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/users", new { email, password = Password, role = Roles.Developer }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();

        var promoted = await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{id}/role", new { role = Roles.Finance });
        var badRole = await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{id}/role", new { role = "Owner" }, HttpStatusCode.BadRequest);
        var disabled = await admin.SendAsync(HttpMethod.Post, $"/api/admin/users/{id}/disable");
        var signInWhileDisabled = await CanSignInAsync(email, Password);
        var enabled = await admin.SendAsync(HttpMethod.Post, $"/api/admin/users/{id}/enable");
        var weak = await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{id}/password", new { password = "short" }, HttpStatusCode.BadRequest);
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{id}/password", new { password = "another-long-passphrase" });
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=ConsoleUser&entityId={id}");

        Assert.Equal([Roles.Finance], promoted["roles"]!.AsArray().Select(r => r!.GetValue<string>()));
        Assert.True(badRole["errors"]!.AsObject().ContainsKey("role"));
        Assert.True(disabled["disabled"]!.GetValue<bool>());
        Assert.False(signInWhileDisabled);
        Assert.False(enabled["disabled"]!.GetValue<bool>());
        Assert.True(weak["errors"]!.AsObject().ContainsKey("password"));
        Assert.False(await CanSignInAsync(email, Password));
        Assert.True(await CanSignInAsync(email, "another-long-passphrase"));
        foreach (var action in new[] { "user.created", "user.role-changed", "user.disabled", "user.enabled", "user.password-reset" })
            Assert.Contains(action, audit);
        Assert.DoesNotContain("another-long-passphrase", audit);
    }

    [Fact]
    public async Task TheLastEnabledAdmin_CannotBeDemotedOrDisabled()
    {
        var admin = fixture.Router.Admin();
        var email = $"lead-{Guid.NewGuid():N}@corp.example";
        var id = (await admin.SendAsync(HttpMethod.Post, "/api/admin/users", new { email, password = Password, role = Roles.Admin }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var users = await admin.ListAsync("/api/admin/users");
        foreach (var user in users.Where(u => u!["id"]!.GetValue<string>() != id && u["roles"]!.AsArray().Any(r => r!.GetValue<string>() == Roles.Admin) && !u["disabled"]!.GetValue<bool>()))
            await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{user!["id"]!.GetValue<string>()}/role", new { role = Roles.Finance });

        var demote = await admin.SendAsync(HttpMethod.Put, $"/api/admin/users/{id}/role", new { role = Roles.Developer }, HttpStatusCode.BadRequest);
        var disable = await admin.SendAsync(HttpMethod.Post, $"/api/admin/users/{id}/disable", expected: HttpStatusCode.BadRequest);

        Assert.Contains("last enabled Admin", demote["errors"]!["role"]![0]!.GetValue<string>());
        Assert.Contains("last enabled Admin", disable["errors"]!["id"]![0]!.GetValue<string>());
    }

    private async Task<bool> CanSignInAsync(string email, string password)
    {
        await using var scope = fixture.Router.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AgentRouter.Web.Data.ConsoleUser>>();
        var user = await users.FindByEmailAsync(email);
        return user is not null && !await users.IsLockedOutAsync(user) && await users.CheckPasswordAsync(user, password);
    }

    [Fact]
    public async Task DevelopersOwnKeys_AreInTheirTeam_WithTheirExpiry_AndOnlyTheyRevokeThem()
    {
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        var ada = await admin.CreateDeveloperAsync(teamId);
        var grace = await admin.CreateDeveloperAsync(teamId);
        var keys = fixture.Router.Services.GetRequiredService<AgentRouter.Web.Keys.KeyService>();
        var actor = new AgentRouter.Web.Audit.Actor("ada@corp.example", fixture.Router.Clock.GetUtcNow());
        var expiry = fixture.Router.Clock.GetUtcNow().AddDays(30);

        var issued = await keys.CreateOwnAsync(ada, "laptop", expiry, actor, CancellationToken.None);
        var past = await keys.CreateOwnAsync(ada, "old", fixture.Router.Clock.GetUtcNow().AddDays(-1), actor, CancellationToken.None);
        var byGrace = await keys.RevokeOwnAsync(issued.Value!.Id, grace, actor, CancellationToken.None);
        var byAda = await keys.RevokeOwnAsync(issued.Value.Id, ada, actor, CancellationToken.None);

        Assert.Equal((teamId, (Guid?)ada, (DateTimeOffset?)expiry), (issued.Value.TeamId, issued.Value.DeveloperId, issued.Value.ExpiresAt));
        Assert.StartsWith($"ar_{slug}_", issued.Value.Key);
        Assert.True(past.Problems!.ToDictionary().ContainsKey("expiresAt"));
        Assert.NotNull(byGrace.Missing);
        Assert.Equal("revoked", byAda.Value!.Status);
    }
}
