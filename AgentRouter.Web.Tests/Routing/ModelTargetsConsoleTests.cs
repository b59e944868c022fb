using System.Net;
using AgentRouter.Web.Profiles;
using AgentRouter.Web.Providers;
using AgentRouter.Web.Routing;
using AgentRouter.Web.Tests.Console;
using AgentRouter.Web.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AgentRouter.Web.Tests.Routing;

/// <summary>Targets in the profile document (admin API), and in the console: the team page's panel and its dialog.</summary>
public sealed class ModelTargetsConsoleTests : ConsoleComponentContext, IClassFixture<GatewayFixture>
{
    private readonly GatewayFixture _fixture;

    public ModelTargetsConsoleTests(GatewayFixture fixture)
    {
        _fixture = fixture;
        Services.AddSingleton(fixture.Router.Services.GetRequiredService<TargetHealthView>());
    }

    private async Task<(AdminClient Admin, Guid TeamId, Guid Primary, Guid Backup)> TeamAsync()
    {
        var admin = _fixture.Router.Admin();
        var primary = await admin.CreateProviderAsync("anthropic", _fixture.Anthropic.BaseUrl, "sk-ant-primary");
        var backup = await admin.CreateProviderAsync("anthropic", _fixture.Anthropic.BaseUrl, "sk-ant-backup");
        await admin.PriceAsync("haiku-primary");
        await admin.PriceAsync("haiku-backup");
        var (teamId, _) = await admin.CreateTeamAsync();
        return (admin, teamId, primary, backup);
    }

    [Fact]
    public async Task ProfileDocument_TargetsRoundTrip_AndASingleTargetEntryReadsAsBefore()
    {
        var (admin, teamId, primary, backup) = await TeamAsync();

        var saved = await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new object[]
            {
                new { name = "haiku", targets = new object[] { new { providerId = primary, upstreamModel = "haiku-primary", weight = 3 }, new { providerId = backup, upstreamModel = "haiku-backup", priority = 1 } } },
                new { name = "plain", providerId = primary, upstreamModel = "haiku-primary" },
            },
        });

        var models = saved["models"]!.AsArray();
        var haiku = models.Single(m => m!["name"]!.GetValue<string>() == "haiku")!;
        Assert.Equal((primary, "haiku-primary"), (haiku["providerId"]!.GetValue<Guid>(), haiku["upstreamModel"]!.GetValue<string>()));
        var targets = haiku["targets"]!.AsArray();
        Assert.Equal(2, targets.Count);
        Assert.Equal((0, 3), (targets[0]!["priority"]!.GetValue<int>(), targets[0]!["weight"]!.GetValue<int>()));
        Assert.Equal((backup, "haiku-backup", 1, 1), (targets[1]!["providerId"]!.GetValue<Guid>(), targets[1]!["upstreamModel"]!.GetValue<string>(),
            targets[1]!["priority"]!.GetValue<int>(), targets[1]!["weight"]!.GetValue<int>()));
        var plain = models.Single(m => m!["name"]!.GetValue<string>() == "plain")!;
        Assert.Null(plain["targets"]);
        var read = await admin.SendAsync(HttpMethod.Get, $"/api/admin/teams/{teamId}/profile");
        Assert.Equal(saved.ToJsonString(), read.ToJsonString());
    }

    [Fact]
    public async Task ProfileDocument_BadTargets_AreRefusedFieldByField()
    {
        var (admin, teamId, primary, backup) = await TeamAsync();

        var problem = await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new object[]
            {
                new
                {
                    name = "haiku", upstreamModel = "haiku-backup",
                    targets = new object[]
                    {
                        new { providerId = primary, upstreamModel = "haiku-primary", weight = 0 },
                        new { providerId = Guid.NewGuid(), upstreamModel = "not-in-catalog", priority = -1 },
                        new { providerId = primary, upstreamModel = "haiku-primary" },
                    },
                },
                new { name = "none", targets = Array.Empty<object>() },
            },
        }, HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("models[0].upstreamModel"));
        Assert.True(errors.ContainsKey("models[0].targets[0].weight"));
        Assert.True(errors.ContainsKey("models[0].targets[1].providerId"));
        Assert.Contains("catalog", errors["models[0].targets[1].upstreamModel"]![0]!.GetValue<string>());
        Assert.True(errors.ContainsKey("models[0].targets[1].priority"));
        Assert.Contains("twice", errors["models[0].targets[2]"]![0]!.GetValue<string>());
        Assert.True(errors.ContainsKey("models[1].targets"));
    }

    [Fact]
    public async Task Panel_ShowsEachTargetAndItsHealth_AndRemovingATargetSavesASingleTargetEntry()
    {
        var (admin, teamId, primary, backup) = await TeamAsync();
        var profiles = _fixture.Router.Services.GetRequiredService<ProfileService>();
        await admin.SendAsync(HttpMethod.Put, $"/api/admin/teams/{teamId}/profile", new
        {
            models = new[] { new { name = "haiku", targets = new object[] { new { providerId = primary, upstreamModel = "haiku-primary" }, new { providerId = backup, upstreamModel = "haiku-backup", priority = 1, weight = 2 } } } },
        });
        var developer = await admin.CreateDeveloperAsync(teamId);
        var (_, key) = await admin.CreateKeyAsync(teamId, developer);
        using (var response = await _fixture.Router.Gateway().SendAsync(Requests.Anthropic(key, Requests.Message("haiku"))))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var models = (await profiles.GetAsync(teamId, Xunit.TestContext.Current.CancellationToken)).Value!.Models!;
        var providers = await _fixture.Router.Services.GetRequiredService<ProviderService>().ListAsync(Xunit.TestContext.Current.CancellationToken);
        List<ProfileModel>? savedModels = null;

        var panel = Render<ModelTargetsPanel>(p => p.Add(x => x.TeamId, teamId).Add(x => x.Models, models).Add(x => x.Providers, providers)
            .Add(x => x.Save, (list, _) => { savedModels = list; return Task.CompletedTask; }));

        var rows = panel.FindAll("[data-testid=model-target]");
        Assert.Equal(2, rows.Count);
        Assert.Contains("haiku-backup", rows[1].TextContent);
        Assert.Equal("serving · 1 served", panel.FindAll("[data-testid=target-health]")[0].TextContent.Trim());
        Assert.Contains("serving · 0 served", panel.FindAll("[data-testid=target-health]")[1].TextContent);

        rows[1].QuerySelector("button")!.Click();

        var haiku = Assert.Single(savedModels!);
        Assert.Equal((primary, "haiku-primary", (List<ProfileTarget>?)null), (haiku.ProviderId!.Value, haiku.UpstreamModel, haiku.Targets));
        Assert.True((await profiles.PutAsync(teamId, new ProfileDocument(savedModels), new Audit.Actor("test", DateTimeOffset.UtcNow), Xunit.TestContext.Current.CancellationToken)).Succeeded);
    }

    [Fact]
    public async Task AddTargetDialog_ReturnsTheTargetEntered()
    {
        var provider = new ProviderView(Guid.NewGuid(), "backup-account", "anthropic", "https://api.anthropic.com", null, DateTimeOffset.UtcNow, null);
        var catalog = new CatalogView("haiku-backup", 1, 5, 1.25m, 0.1m, null, DateTimeOffset.UtcNow);
        var dialog = await ShowAsync(new DialogParameters<AddTargetDialog> { { d => d.Providers, [provider] }, { d => d.Catalog, [catalog] } });

        var account = Providers.FindComponent<MudSelect<Guid?>>();
        await account.InvokeAsync(() => account.Instance.ValueChanged.InvokeAsync(provider.Id));
        var model = Providers.FindComponent<MudSelect<string>>();
        await model.InvokeAsync(() => model.Instance.ValueChanged.InvokeAsync("haiku-backup"));
        var numbers = Providers.FindComponents<MudNumericField<int>>();
        await numbers[0].InvokeAsync(() => numbers[0].Instance.ValueChanged.InvokeAsync(2));
        await numbers[1].InvokeAsync(() => numbers[1].Instance.ValueChanged.InvokeAsync(5));
        Providers.Find("[data-testid=add-target-confirm]").Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(new ProfileTarget(provider.Id, "haiku-backup", 2, 5), result!.Data);
    }

    [Fact]
    public void PinUpgrade_OfAMultiTargetEntry_MovesItsFirstTarget()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var model = new ProfileModel("haiku", a, "haiku-1", [new ProfileTarget(a, "haiku-1", 0, 2), new ProfileTarget(b, "haiku-b", 1, 1)]);

        var pinned = ProfileTargets.WithPin(model, "haiku-2");

        Assert.Equal([new ProfileTarget(a, "haiku-2", 0, 2), new ProfileTarget(b, "haiku-b", 1, 1)], pinned.Targets!);
        Assert.Null(pinned.UpstreamModel);
        Assert.Equal("haiku-3", ProfileTargets.WithPin(new ProfileModel("x", a, "haiku-1"), "haiku-3").UpstreamModel);
    }
}
