using System.Collections.Concurrent;
using System.ComponentModel;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRouter.Web.Tests.Fakes;

/// <summary>One HTTP request as the fake MCP server received it.</summary>
public sealed record McpRecordedRequest(string Method, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A real MCP server (ModelContextProtocol.AspNetCore, Streamable HTTP) on a loopback Kestrel port, with a few
/// tools, recording every request it receives and refusing any without the expected credential. Stateful (initialize,
/// Mcp-Session-Id) by default; stateless serves the 2026-07-28 revision (server/discover, no sessions).</summary>
public sealed class FakeMcpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeMcpServer(WebApplication app, FakeMcpState state) => (_app, State) = (app, state);

    public FakeMcpState State { get; }

    /// <summary>The Streamable HTTP endpoint, e.g. http://127.0.0.1:PORT/mcp.</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyList<McpRecordedRequest> Requests => State.Requests.ToArray();

    public static async Task<FakeMcpServer> StartAsync(string name, bool stateless = false)
    {
        var state = new FakeMcpState(name);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(state);
        builder.Services.AddMcpServer(o => o.ServerInfo = new Implementation { Name = name, Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = stateless ? HttpServerSessionMode.Stateless : HttpServerSessionMode.Stateful)
            .WithTools<FakeMcpTools>();
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Request.EnableBuffering();
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            context.Request.Body.Position = 0;
            state.Requests.Enqueue(new McpRecordedRequest(context.Request.Method,
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            if (state.ExpectedCredential is var (header, value) && context.Request.Headers[header].ToString() != value)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"fake\"";
                return;
            }
            await next();
        });
        app.MapMcp("/mcp");
        await app.StartAsync();
        return new FakeMcpServer(app, state) { Url = app.Urls.Single() + "/mcp" };
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>What a fake MCP server saw and how its tools behave.</summary>
public sealed class FakeMcpState(string name)
{
    public string Name { get; } = name;
    public ConcurrentQueue<McpRecordedRequest> Requests { get; } = new();

    /// <summary>The header and value every request must carry, or null to accept any.</summary>
    public (string Header, string Value)? ExpectedCredential { get; set; }

    /// <summary>The <c>progress</c> tool reports once, then waits for this before finishing.</summary>
    public TaskCompletionSource ProgressGate { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

[McpServerToolType]
public sealed class FakeMcpTools(FakeMcpState state)
{
    [McpServerTool(Name = "echo"), Description("Echoes the text, prefixed with the server's name.")]
    public string Echo(string text) => $"{state.Name}: {text}";

    [McpServerTool(Name = "search_issues"), Description("Pretends to search.")]
    public string SearchIssues(string query) => $"{state.Name} found 3 issues for '{query}'";

    [McpServerTool(Name = "delete_repo", Destructive = true), Description("Would delete a repository.")]
    public string DeleteRepo(string repo) => $"{state.Name} deleted {repo}";

    [McpServerTool(Name = "fail"), Description("Always fails.")]
    public string Fail() => throw new McpException("the tool failed on purpose");

    [McpServerTool(Name = "progress"), Description("Reports progress, waits for the test, then finishes.")]
    public async Task<string> Progress(IProgress<ProgressNotificationValue> progress, CancellationToken cancellationToken)
    {
        progress.Report(new ProgressNotificationValue { Progress = 1, Total = 2, Message = "halfway" });
        await state.ProgressGate.Task.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken);
        return "finished";
    }
}
