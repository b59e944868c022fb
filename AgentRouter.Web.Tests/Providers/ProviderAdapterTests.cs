using System.Net;
using System.Text.RegularExpressions;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRouter.Web.Tests.Providers;

/// <summary>Provider knowledge lives in one folder per kind, and the admin API takes each kind's settings and credential.</summary>
public sealed partial class ProviderAdapterTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    /// <summary>A reference to one kind (<c>ProviderKind.Anthropic</c>, in a comparison or a switch), or a kind compared or
    /// switched on by its wire name: each is a branch on the provider kind.</summary>
    [GeneratedRegex(@"ProviderKind\.[A-Z]\w*|Kind\s*(==|!=|is)\s*""(anthropic|openai|gemini|vertex-ai|bedrock|sandbox)""|""(anthropic|openai|gemini|vertex-ai|bedrock|sandbox)""\s*=>")]
    private static partial Regex KindBranch();

    [Fact]
    public void NothingOutsideTheProviderFolders_BranchesOnAProviderKind()
    {
        var web = Path.Combine(RepositoryRoot(), "AgentRouter.Web");
        var providerFolders = Directory.GetDirectories(Path.Combine(web, "Providers"));
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(web, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal)))
        {
            var relative = Path.GetRelativePath(web, file).Replace('\\', '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)
                || relative.StartsWith("Data/Migrations/", StringComparison.Ordinal)
                || providerFolders.Any(folder => file.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
                continue;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (KindBranch().Match(lines[i]) is { Success: true } match && !Allowed(relative, match.Value))
                    offenders.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(offenders.Count == 0, "Provider kinds are branched on outside Providers/<Kind>/:\n" + string.Join('\n', offenders));
    }

    /// <summary>The one exception: the store seeds the built-in sandbox account (creating it, not branching on it).</summary>
    private static bool Allowed(string file, string match) => (file, match) is ("Providers/CatalogService.cs", "ProviderKind.Sandbox");

    [Fact]
    public void EveryKind_HasExactlyOneAdapter_WithItsOwnName()
    {
        var adapters = fixture.Router.Services.GetRequiredService<ProviderAdapters>();

        Assert.Equal(Enum.GetValues<ProviderKind>().Order(), adapters.All.Select(a => a.Kind).Order());
        Assert.Equal(adapters.All.Count, adapters.All.Select(a => a.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(adapters.All, a => Assert.Same(a, adapters.Find(a.Name.ToUpperInvariant())));
        Assert.Throws<InvalidOperationException>(() => new ProviderAdapters(adapters.All.Skip(1)));
    }

    [Fact]
    public async Task Create_TakesTheCredentialField_OrItsApiKeyAlias_ButNotBoth()
    {
        var admin = fixture.Router.Admin();

        var viaCredential = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-credential", kind = "openai", credential = "sk-proj-contract-1234" }, HttpStatusCode.Created);
        var viaAlias = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-alias", kind = "gemini", apiKey = "gemini-contract-5678" }, HttpStatusCode.Created);
        var both = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-both", kind = "anthropic", credential = "sk-a", apiKey = "sk-b" }, HttpStatusCode.BadRequest);
        var none = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-none", kind = "anthropic" }, HttpStatusCode.BadRequest);

        Assert.Equal(("openai", "https://api.openai.com/v1", "…1234"),
            (viaCredential["kind"]!.GetValue<string>(), viaCredential["baseUrl"]!.GetValue<string>(), viaCredential["credentialHint"]!.GetValue<string>()));
        Assert.Equal(("gemini", "…5678"), (viaAlias["kind"]!.GetValue<string>(), viaAlias["credentialHint"]!.GetValue<string>()));
        Assert.Contains("either", both["errors"]!["credential"]![0]!.GetValue<string>());
        Assert.Contains("credential is required", none["errors"]!["credential"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_RefusesSettingsAKindDoesNotTake_AndACredentialOfTheWrongShape()
    {
        var admin = fixture.Router.Admin();

        var settings = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-settings", kind = "anthropic", settings = new { region = "us-east-1" }, credential = "sk-ant-x" }, HttpStatusCode.BadRequest);
        var shape = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-shape", kind = "anthropic", credential = new[] { 1, 2 } }, HttpStatusCode.BadRequest);
        var sandbox = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-sandbox", kind = "sandbox", credential = "anything" }, HttpStatusCode.BadRequest);

        Assert.True(settings["errors"]!.AsObject().ContainsKey("settings"));
        Assert.True(shape["errors"]!.AsObject().ContainsKey("credential"));
        Assert.True(sandbox["errors"]!.AsObject().ContainsKey("credential"));
    }

    [Fact]
    public async Task Update_EditsNameAndBaseUrl_AndRotation_TakesTheCredentialField()
    {
        var admin = fixture.Router.Admin();
        var created = await admin.SendAsync(HttpMethod.Post, "/api/admin/providers",
            new { name = "contract-edit", kind = "anthropic", credential = "sk-ant-before-0001" }, HttpStatusCode.Created);
        var id = created["id"]!.GetValue<Guid>();

        var edited = await admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{id}", new { name = "contract-edited", baseUrl = "https://anthropic.internal.example" }, HttpStatusCode.OK);
        var rotated = await admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{id}/credential", new { credential = "sk-ant-after-0002" }, HttpStatusCode.OK);
        var empty = await admin.SendAsync(HttpMethod.Put, $"/api/admin/providers/{id}/credential", new { }, HttpStatusCode.BadRequest);

        Assert.Equal(("contract-edited", "https://anthropic.internal.example"), (edited["name"]!.GetValue<string>(), edited["baseUrl"]!.GetValue<string>()));
        Assert.Equal("…0002", rotated["credentialHint"]!.GetValue<string>());
        Assert.True(empty["errors"]!.AsObject().ContainsKey("credential"));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AgentRouter.sln")))
                return dir.FullName;
        throw new InvalidOperationException("AgentRouter.sln not found above " + AppContext.BaseDirectory);
    }
}
