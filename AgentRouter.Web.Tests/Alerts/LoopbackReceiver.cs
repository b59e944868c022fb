using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentRouter.Web.Tests.Alerts;

/// <summary>One request a <see cref="LoopbackReceiver"/> received, with the raw body bytes a signature covers.</summary>
public sealed record ReceivedCall(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => System.Text.Encoding.UTF8.GetString(Body);
}

/// <summary>A webhook receiver on a loopback port that records what it gets and answers with scripted status codes
/// (200 once the script runs out).</summary>
public sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script = new();

    private LoopbackReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public string Url(string path = "/hook") => _app.Urls.Single() + path;

    public static async Task<LoopbackReceiver> StartAsync(params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        foreach (var status in statuses)
            receiver._script.Enqueue(status);
        app.Run(async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            receiver.Calls.Enqueue(new ReceivedCall(context.Request.Path, headers, buffer.ToArray()));
            context.Response.StatusCode = receiver._script.TryDequeue(out var status) ? status : StatusCodes.Status200OK;
        });
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
