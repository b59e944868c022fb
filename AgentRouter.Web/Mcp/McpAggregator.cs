using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using AgentRouter.Web.Gateway;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Mcp;

/// <summary><c>/mcp</c>: every MCP server the caller's team is granted, behind one Streamable HTTP endpoint, tools named
/// <c>&lt;server&gt;__&lt;tool&gt;</c>. The router is the MCP server here: it answers <c>initialize</c> and <c>ping</c> itself,
/// merges the granted tools of every server into one <c>tools/list</c>, and routes each <c>tools/call</c> to its server
/// (prefix stripped), streaming the answer back. Its sessions (in memory, or in Redis so that any replica can continue
/// them: <see cref="IMcpSessionStore"/>) hold one upstream session per server, opened on first use.</summary>
internal sealed class McpAggregator(
    KeyIdentifier identifier,
    McpUpstreamClient upstream,
    McpCallRecorder recorder,
    IMcpSessionStore sessions,
    IOptions<GatewayOptions> options,
    TimeProvider clock,
    ILogger<McpAggregator> logger)
{
    /// <summary>Between server and tool in an aggregated tool name; server names cannot contain it.</summary>
    public const string Separator = "__";

    private const string SessionHeader = "mcp-session-id";
    private const string VersionHeader = "mcp-protocol-version";

    /// <summary>Longest the router waits for a server to answer its own requests (initialize, tools/list); a server that
    /// accepts the connection and then stalls must not hold a client's tools/list forever.</summary>
    private static readonly TimeSpan ControlTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] SupportedVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];
    private static readonly string ServerVersion = typeof(McpAggregator).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleInSessionsAsync(context);
        }
        catch (Exception ex) when (Redis.RedisConnection.IsUnavailable(ex) && !context.Response.HasStarted)
        {
            logger.LogWarning("MCP sessions are unavailable: {Message}", ex.Message);
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, null, McpJsonRpc.InternalError,
                "Agent Router cannot reach its MCP session store (Redis) right now; retry shortly.");
        }
    }

    private async Task HandleInSessionsAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = McpGatewayShared.NewRequestId(context);
        var grant = identifier.Identify(context.Request, out var refusal);
        if (grant is null)
        {
            await McpJsonRpc.WriteErrorAsync(context, refusal!.Status, null, McpJsonRpc.RouterRefusal, refusal.Message);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method))
        {
            // Optional in Streamable HTTP: the aggregate has no server-initiated messages of its own to stream.
            context.Response.Headers.Allow = "POST, DELETE";
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }
        if (HttpMethods.IsDelete(context.Request.Method))
        {
            if (await FindSessionAsync(context, grant) is { } ended && await sessions.RemoveAsync(ended.Id))
            {
                await ended.EndAsync(this, grant, context.RequestAborted);
                context.Response.StatusCode = StatusCodes.Status200OK;
            }
            return;
        }

        var (body, tooLarge) = await RequestBody.ReadAsync(context.Request, options.Value.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await McpJsonRpc.WriteErrorAsync(context, tooLarge!.Status, null, McpJsonRpc.InvalidRequest, tooLarge.Message);
            return;
        }
        using var bodyScope = body;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Memory, McpJsonRpc.Strict);
        }
        catch (JsonException)
        {
            const string unreadable = "The body is not valid JSON (or repeats a key).";
            await McpRefusedCalls.RecordAsync(recorder, context, grant, requestId, null, "", body.Memory, StatusCodes.Status400BadRequest, unreadable, clock, started);
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.ParseError, unreadable);
            return;
        }
        using (document)
        {
            var message = document.RootElement;
            if (message.ValueKind != JsonValueKind.Object)
            {
                const string batched = "The aggregated MCP endpoint takes one JSON-RPC message per request (no batches).";
                await McpRefusedCalls.RecordAsync(recorder, context, grant, requestId, null, "", body.Memory, StatusCodes.Status400BadRequest, batched, clock, started);
                await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.InvalidRequest, batched);
                return;
            }
            var method = McpJsonRpc.Method(message);
            var id = McpJsonRpc.Id(message);
            if (method == "initialize" && id is not null)
            {
                await InitializeAsync(context, grant, message, id);
                return;
            }

            var session = await FindSessionAsync(context, grant);
            if (session is null)
                return;
            await sessions.TouchAsync(session);
            if (id is null || method is null)
            {
                // Notifications (initialized, cancelled, …) and client answers concern the router's session only.
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            }
            switch (method)
            {
                case "ping":
                    await WriteJsonAsync(context, McpJsonRpc.Result(id, json => { json.WriteStartObject(); json.WriteEndObject(); }));
                    return;
                case "tools/list":
                    await ListToolsAsync(context, grant, session, id);
                    return;
                case "tools/call":
                    await CallToolAsync(context, grant, session, message, id, requestId, started);
                    return;
                default:
                    await WriteJsonAsync(context, McpJsonRpc.Error(id, McpJsonRpc.MethodNotFound,
                        $"The aggregated endpoint serves tools only ('{method}' is not supported); reach a server's other features at /mcp/{{server}}."));
                    return;
            }
        }
    }

    private async Task InitializeAsync(HttpContext context, KeyGrant grant, JsonElement message, string id)
    {
        var requested = message.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object
            && p.TryGetProperty("protocolVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var version = SupportedVersions.Contains(requested) ? requested! : SupportedVersions[^1];
        var session = new Session(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), grant.KeyId, version, clock, sessions);
        if (!await sessions.AddAsync(session))
        {
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, id, McpJsonRpc.InternalError,
                "Agent Router holds too many open MCP sessions; end unused ones (DELETE) or retry later.");
            return;
        }

        context.Response.Headers[SessionHeader] = session.Id;
        await WriteJsonAsync(context, McpJsonRpc.Result(id, json =>
        {
            json.WriteStartObject();
            json.WriteString("protocolVersion", version);
            json.WriteStartObject("capabilities");
            json.WriteStartObject("tools");
            json.WriteBoolean("listChanged", false);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartObject("serverInfo");
            json.WriteString("name", "agent-router");
            json.WriteString("version", ServerVersion);
            json.WriteEndObject();
            json.WriteString("instructions", $"Tools of every MCP server granted to team '{grant.Team.Slug}', named <server>{Separator}<tool>.");
            json.WriteEndObject();
        }));
    }

    private async Task ListToolsAsync(HttpContext context, KeyGrant grant, Session session, string id)
    {
        var servers = grant.Team.McpServers.Values.OrderBy(g => g.Server.Name, StringComparer.Ordinal).ToList();
        var lists = await Task.WhenAll(servers.Select(g => ListServerToolsAsync(session, g, context.RequestAborted)));
        await WriteJsonAsync(context, McpJsonRpc.Result(id, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("tools");
            for (var i = 0; i < servers.Count; i++)
                foreach (var page in lists[i])
                    using (page)
                        McpJsonRpc.WriteTools(json, page.RootElement, tool => servers[i].Allows(tool) ? servers[i].Server.Name + Separator + tool : null);
            json.WriteEndArray();
            json.WriteEndObject();
        }));
    }

    /// <summary>Every page of one server's tool list (each a <c>tools</c> array); none when the server fails, so one broken
    /// server does not hide the others.</summary>
    private async Task<List<JsonDocument>> ListServerToolsAsync(Session session, McpServerGrant grant, CancellationToken cancellationToken)
    {
        var pages = new List<JsonDocument>();
        string? cursor = null;
        using var timeout = new CancellationTokenSource(ControlTimeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var clientToken = cancellationToken;
        cancellationToken = linked.Token;
        try
        {
            for (var page = 0; page < 100; page++)
            {
                var body = McpJsonRpc.Request("\"ar-list-" + page + "\"", "tools/list", json =>
                {
                    json.WriteStartObject();
                    if (cursor is not null)
                        json.WriteString("cursor", cursor);
                    json.WriteEndObject();
                });
                using var response = await SendInSessionAsync(session, grant.Server, body, cancellationToken);
                using var answer = await ReadAnswerAsync(response, "\"ar-list-" + page + "\"", cancellationToken);
                if (answer is null || !answer.RootElement.TryGetProperty("result", out var result) || !result.TryGetProperty("tools", out var tools))
                {
                    logger.LogWarning("MCP server {Server} gave no tool list (HTTP {Status})", grant.Server.Name, (int)response.StatusCode);
                    break;
                }
                pages.Add(JsonDocument.Parse(tools.GetRawText()));
                cursor = result.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                if (cursor is null)
                    break;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or OperationCanceledException && !clientToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Listing the tools of MCP server {Server} failed", grant.Server.Name);
        }
        return pages;
    }

    private async Task CallToolAsync(HttpContext context, KeyGrant grant, Session session, JsonElement message, string id, string requestId, long started)
    {
        var name = McpJsonRpc.ToolName(message) ?? "";
        var separator = name.IndexOf(Separator, StringComparison.Ordinal);
        var (serverName, tool) = separator > 0 ? (name[..separator], name[(separator + Separator.Length)..]) : ("", name);
        grant.Team.McpServers.TryGetValue(serverName, out var serverGrant);
        var call = McpGatewayShared.NewCall(context, grant, requestId, serverGrant?.Server, tool, clock);
        if (serverGrant is null)
            call.Server = McpJsonRpc.Truncate(serverName, 64);
        try
        {
            var refusal = serverGrant is null
                ? $"Tool '{name}' is not available: tools here are named <server>{Separator}<tool>, and '{serverName}' is not an MCP server granted to team '{grant.Team.Slug}'."
                : !serverGrant.Allows(tool) ? McpGatewayShared.ToolRefusal(tool, serverGrant, grant.Team) : null;
            if (refusal is not null)
            {
                (call.Outcome, call.Error) = (McpCallOutcome.Refused, McpJsonRpc.Truncate(refusal, 500));
                await WriteJsonAsync(context, McpJsonRpc.Error(id, McpJsonRpc.InvalidParams, refusal));
                return;
            }

            using var response = await SendInSessionAsync(session, serverGrant!.Server, RenameTool(message, tool), context.RequestAborted);
            var type = response.Content.Headers.ContentType?.ToString();
            if (!response.IsSuccessStatusCode || type is null)
            {
                call.Error = $"http_{(int)response.StatusCode}";
                await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status502BadGateway, id, McpJsonRpc.InternalError,
                    $"MCP server '{serverGrant.Server.Name}' answered HTTP {(int)response.StatusCode} to the tool call.");
                return;
            }

            // Stream the answer as it comes (progress and log notifications first, then the result), watching for the result.
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = type;
            context.Response.Headers.CacheControl = "no-cache";
            var tap = new McpMessageStream(context.Response.Body, () => type, answer =>
            {
                if (McpJsonRpc.IsAnswerTo(answer, id))
                    (call.Outcome, call.Error) = McpJsonRpc.CallOutcome(answer);
                return null;
            }, McpProxy.MaxInspectedMessageBytes);
            await using var source = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await source.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    await tap.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
                    await tap.FlushAsync(context.RequestAborted);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            await tap.CompleteAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            call.Error ??= context.RequestAborted.IsCancellationRequested ? "client_disconnected" : "upstream_unreachable";
            if (!context.RequestAborted.IsCancellationRequested)
                await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status502BadGateway, id, McpJsonRpc.InternalError,
                    $"MCP server '{serverName}' could not be reached or failed to answer.");
        }
        finally
        {
            call.Status = context.Response.StatusCode;
            call.LatencyMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await recorder.RecordAsync(call);
        }
    }

    /// <summary>The client's request with <c>params.name</c> replaced by the server's own tool name; id, arguments and
    /// <c>_meta</c> (progress token) unchanged, so the server's answer and notifications need no translation.</summary>
    private static byte[] RenameTool(JsonElement message, string tool)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, McpJsonRpc.Writer))
        {
            json.WriteStartObject();
            foreach (var property in message.EnumerateObject())
            {
                if (!property.NameEquals("params"))
                {
                    property.WriteTo(json);
                    continue;
                }
                json.WriteStartObject("params");
                json.WriteString("name", tool);
                foreach (var field in property.Value.EnumerateObject())
                    if (!field.NameEquals("name"))
                        field.WriteTo(json);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The caller's session, or null after answering why not. A session belongs to the key that opened it.</summary>
    private async Task<Session?> FindSessionAsync(HttpContext context, KeyGrant grant)
    {
        var id = context.Request.Headers[SessionHeader].ToString();
        if (id.Length == 0)
        {
            await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status400BadRequest, null, McpJsonRpc.InvalidRequest,
                "Missing Mcp-Session-Id: send initialize first (the aggregated endpoint speaks the 2025-11-25 revision and earlier).");
            return null;
        }
        if (await sessions.FindAsync(id, this) is { } session && session.KeyId == grant.KeyId)
            return session;
        await McpJsonRpc.WriteErrorAsync(context, StatusCodes.Status404NotFound, null, McpJsonRpc.InvalidRequest, "Unknown or expired MCP session; initialize again.");
        return null;
    }

    /// <summary>Sends a message in the session's upstream session with <paramref name="server"/>, opening it first if needed and
    /// once more if the server has forgotten it (404).</summary>
    private async Task<HttpResponseMessage> SendInSessionAsync(Session session, McpUpstream server, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var link = await session.UpstreamAsync(server, this, cancellationToken);
            var response = await SendAsync(server, link, body, cancellationToken);
            if (response.StatusCode != HttpStatusCode.NotFound || link.SessionId is null || attempt > 0)
                return response;
            response.Dispose();
            await session.ForgetAsync(server.Id, link);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(McpUpstream server, UpstreamLink? link, byte[]? body, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, server.Url);
        if (body is not null)
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.TryAddWithoutValidation("accept-encoding", "identity");
        if (link?.SessionId is { } sessionId)
            request.Headers.TryAddWithoutValidation(SessionHeader, sessionId);
        if (link?.ProtocolVersion is { } version)
            request.Headers.TryAddWithoutValidation(VersionHeader, version);
        server.AddCredential(request.Headers);
        return await upstream.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private async Task<UpstreamLink> OpenWithTimeoutAsync(McpUpstream server, string protocolVersion)
    {
        using var timeout = new CancellationTokenSource(ControlTimeout, clock);
        return await OpenAsync(server, protocolVersion, timeout.Token);
    }

    /// <summary>Opens an upstream session: initialize, then the initialized notification.</summary>
    private async Task<UpstreamLink> OpenAsync(McpUpstream server, string protocolVersion, CancellationToken cancellationToken)
    {
        const string id = "\"ar-initialize\"";
        var body = McpJsonRpc.Request(id, "initialize", json =>
        {
            json.WriteStartObject();
            json.WriteString("protocolVersion", protocolVersion);
            json.WriteStartObject("capabilities");
            json.WriteEndObject();
            json.WriteStartObject("clientInfo");
            json.WriteString("name", "agent-router");
            json.WriteString("version", ServerVersion);
            json.WriteEndObject();
            json.WriteEndObject();
        });
        using var response = await SendAsync(server, null, body, cancellationToken);
        using var answer = await ReadAnswerAsync(response, id, cancellationToken);
        if (answer is null || !answer.RootElement.TryGetProperty("result", out var result))
            throw new HttpRequestException($"MCP server '{server.Name}' did not accept initialize (HTTP {(int)response.StatusCode}).");
        var negotiated = result.TryGetProperty("protocolVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : protocolVersion;
        var link = new UpstreamLink(response.Headers.TryGetValues(SessionHeader, out var values) ? values.FirstOrDefault() : null, negotiated);
        using var initialized = await SendAsync(server, link, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"u8.ToArray(), cancellationToken);
        return link;
    }

    /// <summary>The answer to request <paramref name="id"/> in a JSON or SSE response, or null.</summary>
    internal static async Task<JsonDocument?> ReadAnswerAsync(HttpResponseMessage response, string id, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
            return null;
        JsonDocument? found = null;
        var type = response.Content.Headers.ContentType?.ToString();
        var tap = new McpMessageStream(Stream.Null, () => type, message =>
        {
            if (found is null && McpJsonRpc.IsAnswerTo(message, id))
                found = JsonDocument.Parse(message.GetRawText());
            return null;
        }, McpProxy.MaxInspectedMessageBytes);
        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            // Stop at the answer: a server may keep an SSE response open after it.
            while (found is null && (read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                await tap.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (found is null)
            await tap.CompleteAsync(cancellationToken);
        return found;
    }

    private static async Task WriteJsonAsync(HttpContext context, byte[] json)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(json);
    }

    /// <summary>The router's half of an upstream session (the server may run without sessions: then no id).</summary>
    internal sealed record UpstreamLink(string? SessionId, string? ProtocolVersion);

    /// <summary>One client session of the aggregated endpoint.</summary>
    internal sealed class Session(string id, Guid keyId, string protocolVersion, TimeProvider clock, IMcpSessionStore store,
        IEnumerable<KeyValuePair<Guid, UpstreamLink>>? links = null)
    {
        private readonly ConcurrentDictionary<Guid, Lazy<Task<UpstreamLink>>> _upstream = new(
            (links ?? []).Select(l => KeyValuePair.Create(l.Key, new Lazy<Task<UpstreamLink>>(Task.FromResult(l.Value)))));

        public string Id { get; } = id;
        public Guid KeyId { get; } = keyId;
        public string ProtocolVersion { get; } = protocolVersion;
        private long _lastUsedTicks = clock.GetUtcNow().UtcTicks;

        public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsedTicks), TimeSpan.Zero);

        public void Touch(TimeProvider time) => Interlocked.Exchange(ref _lastUsedTicks, time.GetUtcNow().UtcTicks);

        /// <summary>The upstream sessions opened so far (for a store that keeps them elsewhere).</summary>
        public IEnumerable<KeyValuePair<Guid, UpstreamLink>> Links => _upstream
            .Where(l => l.Value.IsValueCreated && l.Value.Value.IsCompletedSuccessfully)
            .Select(l => KeyValuePair.Create(l.Key, l.Value.Value.Result));

        public async Task<UpstreamLink> UpstreamAsync(McpUpstream server, McpAggregator owner, CancellationToken cancellationToken)
        {
            // One initialize per server even when tools/list fans out concurrently; not bound to the first caller's token.
            var lazy = _upstream.GetOrAdd(server.Id, _ => new Lazy<Task<UpstreamLink>>(() => OpenAndKeepAsync(server, owner)));
            try
            {
                return await lazy.Value.WaitAsync(cancellationToken);
            }
            catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
            {
                // A failed or timed-out open is not kept: the next request tries again.
                _upstream.TryRemove(KeyValuePair.Create(server.Id, lazy));
                throw;
            }
        }

        private async Task<UpstreamLink> OpenAndKeepAsync(McpUpstream server, McpAggregator owner)
        {
            var link = await owner.OpenWithTimeoutAsync(server, ProtocolVersion);
            // Saved so that another replica continuing this session reuses it rather than opening its own.
            await store.LinkOpenedAsync(this, server.Id, link);
            return link;
        }

        public async Task ForgetAsync(Guid serverId, UpstreamLink link)
        {
            if (_upstream.TryGetValue(serverId, out var lazy) && lazy.Value.IsCompletedSuccessfully && lazy.Value.Result == link
                && _upstream.TryRemove(KeyValuePair.Create(serverId, lazy)))
                await store.LinkForgottenAsync(this, serverId);
        }

        /// <summary>Ends the upstream sessions it opened, best effort: a server that already forgot one is fine.</summary>
        public async Task EndAsync(McpAggregator owner, KeyGrant grant, CancellationToken cancellationToken)
        {
            foreach (var (serverId, lazy) in _upstream)
            {
                if (!lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully || lazy.Value.Result.SessionId is null
                    || grant.Team.McpServers.Values.FirstOrDefault(g => g.Server.Id == serverId) is not { } serverGrant)
                    continue;
                try
                {
                    using var response = await owner.SendAsync(serverGrant.Server, lazy.Value.Result, null, cancellationToken, HttpMethod.Delete);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
                {
                    // Best effort; the server expires idle sessions itself.
                }
            }
        }
    }
}
