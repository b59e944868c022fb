using System.Collections.Concurrent;
using AgentRouter.Web.Billing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AgentRouter.Web.Tests.Infrastructure;

/// <summary>The application under test: a throwaway SQLite store, ephemeral Data Protection, an admin token from
/// configuration, and a log of every usage record the writer commits.</summary>
/// <param name="dataDirectory">Reuse a data folder (restart tests); a fresh temporary one by default.</param>
/// <param name="keepData">Leave the data folder behind when disposed, for the next instance to start from.</param>
public class RouterFactory : WebApplicationFactory<Program>
{
    private readonly string? dataDirectory;
    private readonly bool keepData;

    /// <summary>A fresh temporary data folder (what class fixtures get).</summary>
    public RouterFactory() : this(null) { }

    // Not public: xunit wants a single public constructor on a class fixture.
    internal RouterFactory(string? dataDirectory, bool keepData = false)
    {
        this.dataDirectory = dataDirectory;
        this.keepData = keepData;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "agentrouter-tests", Guid.NewGuid().ToString("N"));
    }

    public const string AdminToken = "test-admin-token-0123456789";

    /// <summary>The gateway's body limit in tests: small enough to exceed cheaply, large enough for Claude Code-sized bodies.</summary>
    public const int MaxBodyBytes = 512 * 1024;

    public string DataDirectory { get; }

    public UsageLog Usage { get; } = new();

    /// <summary>The application's clock; tests move it forward instead of waiting.</summary>
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        // Package assets (MudBlazor) are served from their NuGet folders outside Development unless asked.
        builder.UseStaticWebAssets();
        builder.UseSetting("Data:Directory", DataDirectory);
        // A restart test keeps the key ring on disk, as the product does, so credentials survive the restart.
        builder.UseSetting("Data:EphemeralKeys", (dataDirectory is null && !keepData).ToString());
        builder.UseSetting("AGENTROUTER_ADMIN_TOKEN", AdminToken);
        builder.UseSetting("Gateway:MaxRequestBodyBytes", MaxBodyBytes.ToString());
        builder.UseSetting("Gateway:SandboxEventDelay", "00:00:00");
        // Tests call each job's RunAsync directly with a fake clock; no Hangfire server polls in the background.
        builder.UseSetting("Jobs:Storage", "InMemory");
        builder.UseSetting("Jobs:Server", "false");
        // Quiet by default; AGENTROUTER_TEST_LOGS=1 shows the application's warnings and errors while debugging a test.
        builder.ConfigureLogging(logging => logging.ClearProviders().AddFilter((category, level) =>
            Environment.GetEnvironmentVariable("AGENTROUTER_TEST_LOGS") == "1" && level >= LogLevel.Warning).AddSimpleConsole());
        builder.ConfigureServices(services => services.AddSingleton(Usage).AddSingleton<TimeProvider>(Clock));
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.Timeout = TimeSpan.FromSeconds(30);
    }

    /// <summary>Starts the host and hooks the usage log to the writer.</summary>
    public void EnsureStarted()
    {
        var recorder = Services.GetRequiredService<UsageRecorder>();
        Usage.Attach(recorder);
    }

    public AdminClient Admin()
    {
        EnsureStarted();
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", AdminToken);
        return new AdminClient(client);
    }

    public HttpClient Gateway()
    {
        EnsureStarted();
        return CreateClient();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (keepData)
            return;
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A SQLite handle may linger briefly; the temp folder is cleaned by the OS eventually.
        }
    }
}

/// <summary>Every usage record the writer committed, awaitable by request id (no sleeping, no polling).</summary>
public sealed class UsageLog
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<UsageRecord>> _byRequest = new();
    private int _attached;

    public void Attach(UsageRecorder recorder)
    {
        if (Interlocked.Exchange(ref _attached, 1) == 0)
            recorder.Persisted += batch =>
            {
                foreach (var record in batch)
                    Slot(record.RequestId).TrySetResult(record);
            };
    }

    public Task<UsageRecord> For(string requestId) => Slot(requestId).Task.WaitAsync(TimeSpan.FromSeconds(15));

    public async Task<UsageRecord> For(HttpResponseMessage response) =>
        await For(response.Headers.GetValues("x-agentrouter-request-id").Single());

    private TaskCompletionSource<UsageRecord> Slot(string requestId) =>
        _byRequest.GetOrAdd(requestId, _ => new TaskCompletionSource<UsageRecord>(TaskCreationOptions.RunContinuationsAsynchronously));
}
