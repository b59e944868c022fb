using System.Net;
using System.Net.Http.Json;
using AgentRouter.Web.Data;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Admin;

public sealed class AdminApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private async Task<T> Db<T>(Func<AppDbContext, Task<T>> query)
    {
        await using var db = await fixture.Router.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token")]
    [InlineData("arat_notarealtoken")]
    public async Task WithoutAValidToken_TheAdminApiAnswers401(string? token)
    {
        var client = fixture.Router.Gateway();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/admin/teams");
        if (token is not null)
            request.Headers.Authorization = new("Bearer", token);
        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task IssuedAdminToken_Works_UntilRevoked()
    {
        var admin = fixture.Router.Admin();
        var issued = await admin.SendAsync(HttpMethod.Post, "/api/admin/tokens", new { name = "ci" }, HttpStatusCode.Created);
        var client = fixture.Router.Gateway();
        client.DefaultRequestHeaders.Authorization = new("Bearer", issued["token"]!.GetValue<string>());

        using var before = await client.GetAsync("/api/admin/teams");
        await admin.SendAsync(HttpMethod.Delete, $"/api/admin/tokens/{issued["id"]}");
        using var after = await client.GetAsync("/api/admin/teams");

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var audit = await admin.ListAsync("/api/admin/audit?entityType=AdminApiToken");
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "admin-token.revoked" && e["actor"]!.GetValue<string>() == "env:AGENTROUTER_ADMIN_TOKEN");
    }

    [Fact]
    public async Task InvalidProvider_Is400ListingEveryProblem()
    {
        var admin = fixture.Router.Admin();
        var problem = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new { name = "", kind = "cohere", baseUrl = "ftp://x" }, HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();

        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("kind"));
        Assert.True(errors.ContainsKey("baseUrl"));
    }

    [Fact]
    public async Task InvalidProfile_Is400NamingTheFieldOfEachEntry()
    {
        var admin = fixture.Router.Admin();
        var (teamId, _) = await admin.CreateTeamAsync();
        var problem = await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile",
            new { models = new object[] { new { name = "a", providerId = Guid.NewGuid(), upstreamModel = "not-in-catalog" }, new { name = "", upstreamModel = "" } } },
            HttpStatusCode.BadRequest);
        var errors = problem["errors"]!.AsObject();

        Assert.True(errors.ContainsKey("models[0].providerId"));
        Assert.Contains("catalog", errors["models[0].upstreamModel"]![0]!.GetValue<string>());
        Assert.True(errors.ContainsKey("models[1].name"));
        Assert.True(errors.ContainsKey("models[1].upstreamModel"));
    }

    [Fact]
    public async Task ProviderCredential_IsEncryptedAtRest_NeverReturned_AndRedactedFromTheAuditLog()
    {
        var admin = fixture.Router.Admin();
        const string secret = "sk-ant-api03-very-secret-value-1234";
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers", new { name = "secret-check", kind = "anthropic", baseUrl = "https://api.anthropic.com", apiKey = secret }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<Guid>();
        await admin.RotateAsync(id, secret + "-v2");

        var listed = await admin.Http.GetStringAsync("/api/admin/providers");
        var audit = await admin.Http.GetStringAsync($"/api/admin/audit?entityType=ProviderAccount&entityId={id}");
        var stored = await Db(db => db.ProviderAccounts.AsNoTracking().SingleAsync(a => a.Id == id));

        Assert.DoesNotContain("very-secret", created.ToJsonString() + listed + audit);
        Assert.Equal("…1234", created["credentialHint"]!.GetValue<string>());
        Assert.DoesNotContain("very-secret", stored.CredentialCipher);
        Assert.Contains("provider.credential-rotated", audit);
    }

    [Fact]
    public async Task Keys_AreStoredOnlyAsHashes_AndShownOnce()
    {
        var admin = fixture.Router.Admin();
        var (teamId, slug) = await admin.CreateTeamAsync();
        var (keyId, key) = await admin.CreateKeyAsync(teamId, null, serviceAgent: "ci-reviewer");
        var listed = await admin.Http.GetStringAsync($"/api/admin/keys?teamId={teamId}");
        var stored = await Db(db => db.ApiKeys.AsNoTracking().SingleAsync(k => k.Id == keyId));

        Assert.StartsWith($"ar_{slug}_", key);
        Assert.InRange(key.Length - $"ar_{slug}_".Length, 43, 43);
        Assert.DoesNotContain(key, listed);
        Assert.NotEqual(key, stored.Hash);
        Assert.DoesNotContain(key[^20..], stored.Hash + stored.Prefix);
        Assert.Equal("ci-reviewer", stored.ServiceAgent);
    }

    [Fact]
    public async Task KeyForADeveloperOfAnotherTeam_IsRefused()
    {
        var admin = fixture.Router.Admin();
        var (teamA, _) = await admin.CreateTeamAsync();
        var (teamB, _) = await admin.CreateTeamAsync();
        var developerOfB = await admin.CreateDeveloperAsync(teamB);

        var problem = await admin.SendAsync(HttpMethod.Post, "/api/admin/keys", new { teamId = teamA, developerId = developerOfB, name = "x" }, HttpStatusCode.BadRequest);

        Assert.True(problem["errors"]!.AsObject().ContainsKey("developerId"));
    }

    [Fact]
    public async Task DuplicateTeamSlug_And_BadSlug_AreRefused()
    {
        var admin = fixture.Router.Admin();
        var (_, slug) = await admin.CreateTeamAsync();
        var duplicate = await admin.SendAsync(HttpMethod.Post, "/api/admin/teams", new { name = "x", slug }, HttpStatusCode.BadRequest);
        var bad = await admin.SendAsync(HttpMethod.Post, "/api/admin/teams", new { name = "x", slug = "Has_Underscore" }, HttpStatusCode.BadRequest);

        Assert.Contains("already exists", duplicate["errors"]!["slug"]![0]!.GetValue<string>());
        Assert.True(bad["errors"]!.AsObject().ContainsKey("slug"));
    }

    [Fact]
    public async Task EveryChange_IsAudited_WithActorAndBeforeAfter()
    {
        var admin = fixture.Router.Admin();
        var providerId = await admin.CreateProviderAsync("openai", "https://api.openai.com/v1", "sk-x");
        await admin.PriceAsync("audit-model");
        var (teamId, _) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, ("m", providerId, "audit-model"));

        var events = await admin.ListAsync($"/api/admin/audit?entityType=Team&entityId={teamId}");

        var profileChange = Assert.Single(events, e => e!["action"]!.GetValue<string>() == "profile.updated")!;
        Assert.Equal("env:AGENTROUTER_ADMIN_TOKEN", profileChange["actor"]!.GetValue<string>());
        Assert.Contains("\"models\":[]", profileChange["before"]!.GetValue<string>());
        Assert.Contains("audit-model", profileChange["after"]!.GetValue<string>());
        Assert.Contains(events, e => e!["action"]!.GetValue<string>() == "team.created");
    }

    [Fact]
    public async Task UsageListing_FiltersByTeamDeveloperAndTime()
    {
        var s = await fixture.ScenarioAsync("anthropic", "usage-model", "usage-upstream");
        using var response = await s.Client.SendAsync(Requests.Anthropic(s.Key, Requests.Message(s.PublicName)));
        var record = await fixture.Router.Usage.For(response);

        var forTeam = await s.Admin.ListAsync($"/api/admin/usage?teamId={s.TeamId}");
        var forDeveloper = await s.Admin.ListAsync($"/api/admin/usage?developerId={s.DeveloperId}");
        var later = await s.Admin.ListAsync($"/api/admin/usage?teamId={s.TeamId}&from={Uri.EscapeDataString(record.At.AddSeconds(1).ToString("O"))}");
        var bad = await s.Admin.SendAsync(HttpMethod.Get, "/api/admin/usage?limit=0", expected: HttpStatusCode.BadRequest);

        var row = Assert.Single(forTeam)!;
        Assert.Equal(record.RequestId, row["requestId"]!.GetValue<string>());
        Assert.Equal(s.DeveloperId, row["developerId"]!.GetValue<Guid>());
        Assert.Single(forDeveloper);
        Assert.Empty(later);
        Assert.True(bad["errors"]!.AsObject().ContainsKey("limit"));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheAdminApi()
    {
        var document = await fixture.Router.Gateway().GetFromJsonAsync<System.Text.Json.JsonElement>("/openapi/v1.json");

        Assert.True(document.GetProperty("paths").TryGetProperty("/api/admin/keys", out _));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/admin/teams/{id}/profile", out _));
    }

    [Fact]
    public async Task Healthz_Answers200()
    {
        using var response = await fixture.Router.Gateway().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
