using System.Diagnostics;
using AgentRouter.Web.Tests.Fakes;
using AgentRouter.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentRouter.Web.Tests.Telemetry;

/// <summary>A router with spans on, its spans and metrics captured by the in-memory exporters, and <c>/metrics</c>
/// also served on a loopback port of its own.</summary>
public sealed class TelemetryRouter : RouterFactory
{
    public List<Activity> Spans { get; } = [];
    public List<MetricSnapshot> Metrics { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Telemetry:Traces", "true");
        builder.UseSetting("Metrics:Port", "0");
        builder.UseSetting("Metrics:Address", "127.0.0.1");
        builder.ConfigureServices(services => services
            .ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans))
            .ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics)));
    }
}

public sealed class TelemetryFixture : IAsyncLifetime
{
    public TelemetryRouter Router { get; } = new();
    public FakeProvider Anthropic { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Anthropic = await FakeProvider.StartAsync(FakeDialect.Anthropic);
        Router.EnsureStarted();
    }

    public async ValueTask DisposeAsync()
    {
        await Router.DisposeAsync();
        await Anthropic.DisposeAsync();
    }

    /// <summary>A team approving one Anthropic model on the fake, with a developer and a key.</summary>
    public async Task<Scenario> ScenarioAsync(string publicName, string upstreamModel)
    {
        var admin = Router.Admin();
        var providerId = await admin.CreateProviderAsync("anthropic", Anthropic.BaseUrl, "sk-ant-org-" + Guid.NewGuid().ToString("N"));
        await admin.PriceAsync(upstreamModel);
        var (teamId, slug) = await admin.CreateTeamAsync();
        await admin.PutProfileAsync(teamId, (publicName, providerId, upstreamModel));
        var developerId = await admin.CreateDeveloperAsync(teamId);
        var (keyId, key) = await admin.CreateKeyAsync(teamId, developerId);
        return new Scenario(admin, Router.Gateway(), Anthropic, providerId, "", teamId, slug, developerId, keyId, key, publicName, upstreamModel);
    }
}
