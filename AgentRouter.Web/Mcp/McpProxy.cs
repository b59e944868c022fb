using System.Diagnostics;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace AgentRouter.Web.Mcp;

/// <summary><c>/mcp/{server}</c>: one granted MCP server, reached over Streamable HTTP with the organisation's credential.
/// Identifies the key, checks the grant, refuses ungranted <c>tools/call</c>s, filters <c>tools/list</c> answers to the
/// granted tools and passes everything else through, streaming (JSON or SSE answers, the GET stream, DELETE).</summary>
public sealed class McpProxy(
    KeyIdentifier identifier,
    PolicyCache policy,
    IHttpForwarder forwarder,
    McpUpstreamClient upstream,
    McpCallRecorder recorder,
    IOptions<GatewayOptions> options,
    TimeProvider clock)
{
    /// <summary>Largest single answer message the router holds to filter or inspect (a tools/list page, a tool result).</summary>
    internal const int MaxInspectedMessageBytes = 16 * 1024 * 1024;

    private readonly ForwarderRequestConfig _forwarding = new() { ActivityTimeout = options.Value.UpstreamIdleTimeout };

    public async Task HandleAsync(HttpContext context, string serverName)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = McpGatewayShared.NewRequestId(context);

        var grant = identifier.Identify(context.Request, out var refusal);
        if (grant is null)
        {
            await McpJsonRpc.WriteErrorAsync(context, refusal!.Status, null, McpJsonRpc.RouterRefusal, refusal.Message);
            return;
        }
        if (!grant.Team.McpServers.TryGetValue(serverName, out var serverGrant))
        {
            var known = policy.Current.McpServers.TryGetValue(serverName, out var server);
            var status = known ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound;
            var refusalMessage = McpGatewayShared.ServerRefusal(serverName, known, grant.Team);
            // A tools/call sent to a server the team may not reach is still an attempt to record.
            if (HttpMethods.IsPost(context.Request.Method)
                && (await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted)).Body is { } refusedBody)
                using (refusedBody)
                    await McpRefusedCalls.RecordAsync(recorder, context, grant, requestId, server, serverName, refusedBody.Memory, status, refusalMessage, clock, started);
            await McpJsonRpc.WriteErrorAsync(context, status, null, McpJsonRpc.RouterRefusal, refusalMessage);
            return;
        }

        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsDelete(method))
        {
            // The GET stream too: a resumed stream (Last-Event-ID) may replay a tools/list answer.
            await ForwardAsync(context, serverGrant, requestId, ToolListFilter(serverGrant));
            return;
        }
        if (!HttpMethods.IsPost(method))
        {
            context.Response.Headers.Allow = "GET, POST, DELETE";
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, null, McpJsonRpc.InvalidRequest, $"{method} is not part of MCP Streamable HTTP.");
            return;
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await McpJsonRpc.WriteErrorAsync(context, tooLarge!.Status, null, McpJsonRpc.InvalidRequest, tooLarge.Message);
            return;
        }
        using var bodyScope = body;
        JsonDocument message;
        try
        {
            message = JsonDocument.Parse(body.Memory, McpJsonRpc.Strict);
        }
        catch (JsonException)
        {
            const string unreadable = "The body is not valid JSON (or repeats a key); the router only forwards JSON-RPC it can read.";
            await McpRefusedCalls.RecordAsync(recorder, context, grant, requestId, serverGrant.Server, serverName, body.Memory, StatusCodes.Status400BadRequest, unreadable, clock, started);
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.ParseError, unreadable);
            return;
        }
        using (message)
        {
            var root = message.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                // Batches (2025-03-26 only) would need every member authorized and every answer filtered; tools traffic must come singly.
                if (root.EnumerateArray().Any(m => McpJsonRpc.Method(m) is "tools/call" or "tools/list"))
                {
                    const string batched = "Agent Router does not accept tools/list or tools/call inside a JSON-RPC batch; send them one per request.";
                    await McpRefusedCalls.RecordAsync(recorder, context, grant, requestId, serverGrant.Server, serverName, body.Memory, StatusCodes.Status400BadRequest, batched, clock, started);
                    await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.InvalidRequest, batched);
                    return;
                }
                if (root.EnumerateArray().Select(McpJsonRpc.Method).FirstOrDefault(m => !serverGrant.AllowsMethod(m)) is { } batchedDenied)
                {
                    await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.MethodNotFound, NotGranted(batchedDenied, serverGrant));
                    return;
                }
                UseBody(context, body);
                await ForwardAsync(context, serverGrant, requestId, ToolListFilter(serverGrant));
                return;
            }

            if (!serverGrant.AllowsMethod(McpJsonRpc.Method(root)))
            {
                var id = McpJsonRpc.Id(root);
                await McpJsonRpc.WriteErrorAsync(context, id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK, id, McpJsonRpc.MethodNotFound,
                    NotGranted(McpJsonRpc.Method(root)!, serverGrant));
                return;
            }
            if (McpJsonRpc.Method(root) == "tools/call")
            {
                await CallToolAsync(context, grant, serverGrant, root, McpJsonRpc.Id(root), body, requestId, started);
                return;
            }
            UseBody(context, body);
            await ForwardAsync(context, serverGrant, requestId, ToolListFilter(serverGrant));
        }
    }

    private async Task CallToolAsync(
        HttpContext context, KeyGrant grant, McpServerGrant serverGrant, JsonElement request, string? id, RequestBody body, string requestId, long started)
    {
        var tool = McpJsonRpc.ToolName(request);
        var call = McpGatewayShared.NewCall(context, grant, requestId, serverGrant.Server, tool ?? "", clock);
        try
        {
            string? refusal = null;
            if (id is null || tool is null)
                refusal = "tools/call needs an id and params.name.";
            // 2026-07-28 clients repeat the tool name in Mcp-Name; a server routing by the header must see the authorized name.
            else if (context.Request.Headers.TryGetValue("mcp-name", out var header) && header.ToString() != tool)
                refusal = $"The Mcp-Name header ('{header}') does not match the tool named in the body ('{tool}').";
            else if (!serverGrant.Allows(tool))
                refusal = McpGatewayShared.ToolRefusal(tool, serverGrant, grant.Team);
            if (refusal is not null)
            {
                call.Outcome = McpCallOutcome.Refused;
                call.Error = McpJsonRpc.Truncate(refusal, 500);
                await McpJsonRpc.WriteErrorAsync(context, id is null ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK, id, McpJsonRpc.InvalidParams, refusal);
                return;
            }

            UseBody(context, body);
            var filter = ToolListFilter(serverGrant);
            var error = await ForwardAsync(context, serverGrant, requestId, answer =>
            {
                if (McpJsonRpc.IsAnswerTo(answer, id!))
                    (call.Outcome, call.Error) = McpJsonRpc.CallOutcome(answer);
                return filter?.Invoke(answer);
            });
            if (error != ForwarderError.None)
                (call.Outcome, call.Error) = (McpCallOutcome.Failed, McpGatewayShared.Describe(error));
            else if (call.Outcome == McpCallOutcome.Failed && context.Response.StatusCode >= 400)
                call.Error = $"http_{context.Response.StatusCode}";
        }
        finally
        {
            call.Status = context.Response.StatusCode;
            call.LatencyMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await recorder.RecordAsync(call);
        }
    }

    private static string NotGranted(string method, McpServerGrant grant) =>
        $"'{method}' is not granted: the team's grant of MCP server '{grant.Server.Name}' covers only the tools {string.Join(", ", grant.Tools ?? [])}"
        + (grant.AllowsResources ? " and its resources" : "") + (grant.AllowsPrompts ? " and its prompts" : "")
        + ". Ask your platform team to grant resources or prompts.";

    /// <summary>Forwards the body as read (it was consumed to be inspected), with its exact length.</summary>
    private static void UseBody(HttpContext context, RequestBody body)
    {
        context.Request.Body = body.AsStream();
        context.Request.ContentLength = body.Length;
        context.Request.Headers.TransferEncoding = default;
    }

    /// <summary>For a grant restricted to some tools: rewrites any tool list in an answer, whatever request it answers and
    /// whichever stream carries it (POST answer, GET stream, replay). Null for a whole-server grant: nothing to hide.</summary>
    internal static McpMessageInspector? ToolListFilter(McpServerGrant grant) => grant.Tools is null ? null
        : answer => McpJsonRpc.IsToolList(answer) ? McpJsonRpc.RewriteToolList(answer, tool => grant.Allows(tool) ? tool : null) : null;

    /// <summary>Forwards the request; with an inspector, every message of the answer goes through it.</summary>
    private async Task<ForwarderError> ForwardAsync(HttpContext context, McpServerGrant serverGrant, string requestId, McpMessageInspector? inspector)
    {
        var server = serverGrant.Server;
        var clientBody = context.Response.Body;
        McpMessageStream? tap = null;
        if (inspector is not null)
            context.Response.Body = tap = new McpMessageStream(clientBody, () => context.Response.ContentType, inspector, MaxInspectedMessageBytes);
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(context, server.Url, upstream.Invoker, _forwarding, new McpUpstreamTransformer(server, requestId, rewritesBody: tap is not null));
            if (tap is not null && error == ForwarderError.None)
                await tap.CompleteAsync(context.RequestAborted);
        }
        catch (IOException) when (tap is not null)
        {
            // An answer message too large to inspect: cut it rather than pass it unfiltered.
            error = ForwarderError.ResponseBodyDestination;
            context.Abort();
        }
        finally
        {
            context.Response.Body = clientBody;
        }
        if (error != ForwarderError.None)
            await McpJsonRpc.WriteErrorAsync(context, error == ForwarderError.RequestTimedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
                null, McpJsonRpc.InternalError, $"MCP server '{server.Name}' could not be reached or failed to answer.");
        return error;
    }
}

/// <summary>Shapes the forwarded request: the client's credentials out, the server's in, the session headers through.</summary>
internal sealed class McpUpstreamTransformer(McpUpstream server, string requestId, bool rewritesBody) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        // Exactly the registered endpoint: the client's path and query (which may hold ?key=) are not appended.
        proxyRequest.RequestUri = new Uri(server.Url);
        McpGatewayShared.StripClientCredentials(proxyRequest.Headers);
        server.AddCredential(proxyRequest.Headers);
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var response = httpContext.Response;
        if (proxyResponse?.StatusCode == System.Net.HttpStatusCode.Unauthorized)
        {
            // The server refused the organisation's credential. Its 401 (and WWW-Authenticate) would send the client into
            // an OAuth flow against the server; the developer can do nothing about it, the platform team can.
            response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;
            await McpJsonRpc.WriteErrorAsync(httpContext, StatusCodes.Status502BadGateway, null, McpJsonRpc.RouterRefusal,
                $"MCP server '{server.Name}' refused the credential Agent Router presents for it. Ask your platform team to rotate it.");
            return false;
        }
        var proceed = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        response.Headers.Remove("set-cookie");
        response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;
        if (rewritesBody)
            response.Headers.ContentLength = null;
        return proceed;
    }
}

/// <summary>What the per-server proxy and the aggregated endpoint share: request ids, refusal messages, call records.</summary>
internal static class McpGatewayShared
{
    public static string NewRequestId(HttpContext context)
    {
        var requestId = "req_" + Guid.CreateVersion7().ToString("N");
        context.TraceIdentifier = requestId;
        context.Response.Headers[UpstreamTransformer.RequestIdHeader] = requestId;
        return requestId;
    }

    public static void StripClientCredentials(System.Net.Http.Headers.HttpRequestHeaders headers)
    {
        foreach (var name in KeyIdentifier.KeyHeaders)
            headers.Remove(name);
        headers.Remove("cookie");
        foreach (var name in headers.Select(h => h.Key).Where(n =>
                     n.StartsWith("x-agent-router-", StringComparison.OrdinalIgnoreCase) || n.StartsWith("x-agentrouter-", StringComparison.OrdinalIgnoreCase)).ToList())
            headers.Remove(name);
        // Answers are inspected as they pass, which needs them uncompressed.
        headers.Remove("accept-encoding");
        headers.TryAddWithoutValidation("accept-encoding", "identity");
    }

    public static McpCallRecord NewCall(HttpContext context, KeyGrant grant, string requestId, McpUpstream? server, string tool, TimeProvider clock) => new()
    {
        At = clock.GetUtcNow(),
        RequestId = requestId,
        TeamId = grant.Team.TeamId,
        DeveloperId = grant.DeveloperId,
        ApiKeyId = grant.KeyId,
        Agent = AgentDetector.Detect(context.Request, grant.ServiceAgent),
        ServerId = server?.Id,
        Server = McpJsonRpc.Truncate(server?.Name ?? "", 64),
        Tool = McpJsonRpc.Truncate(tool, 200),
        // Until an answer says otherwise: a call whose answer never came is a failure.
        Outcome = McpCallOutcome.Failed,
    };

    public static string ServerRefusal(string serverName, bool known, TeamPolicy team)
    {
        var granted = team.McpServers.Count == 0 ? "none" : string.Join(", ", team.McpServers.Keys.Order(StringComparer.Ordinal));
        return known
            ? $"MCP server '{serverName}' is not granted to team '{team.Slug}'. Granted MCP servers: {granted}. Ask your platform team."
            : $"No MCP server named '{serverName}' is registered with Agent Router. MCP servers granted to team '{team.Slug}': {granted}.";
    }

    public static string ToolRefusal(string tool, McpServerGrant serverGrant, TeamPolicy team) =>
        $"Tool '{tool}' of MCP server '{serverGrant.Server.Name}' is not granted to team '{team.Slug}'. Granted tools: {string.Join(", ", serverGrant.Tools!.Order(StringComparer.Ordinal))}.";

    public static string Describe(ForwarderError error) => error switch
    {
        ForwarderError.ResponseBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.RequestCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.RequestBodyCanceled => "client_disconnected",
        ForwarderError.ResponseBodyDestination => "upstream_failed_mid_response",
        ForwarderError.RequestTimedOut => "upstream_timeout",
        _ => "upstream_unreachable",
    };
}
