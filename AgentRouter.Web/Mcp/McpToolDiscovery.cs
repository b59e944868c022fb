using System.Net.Http.Headers;
using System.Text.Json;
using AgentRouter.Web.Admin;
using AgentRouter.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentRouter.Web.Mcp;

/// <summary>A tool an MCP server offers, as its <c>tools/list</c> names and describes it.</summary>
public sealed record McpToolInfo(string Name, string? Description);

/// <summary>Asks a registered MCP server for its tools with the server's stored credential (initialize, then every page of
/// <c>tools/list</c>, then ends the session), so the console can offer them to tick instead of typing their names.</summary>
public sealed class McpToolDiscovery(IDbContextFactory<AppDbContext> factory, SecretProtector secrets, McpUpstreamClient upstream, TimeProvider clock,
    ILogger<McpToolDiscovery> logger)
{
    private const string ProtocolVersion = "2025-06-18";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public async Task<AdminResult<List<McpToolInfo>>> ListAsync(Guid serverId, CancellationToken cancellationToken)
    {
        var stored = await factory.Query(db => db.McpServers.AsNoTracking().FirstOrDefaultAsync(s => s.Id == serverId, cancellationToken), cancellationToken);
        if (stored is null)
            return AdminResult<List<McpToolInfo>>.NotFound($"No MCP server {serverId}.");
        var server = new McpUpstream(stored.Id, stored.Name, stored.Url, stored.AuthKind, stored.AuthHeader,
            stored.SecretCipher is null ? null : secrets.Unprotect(stored.SecretCipher));

        using var timeout = new CancellationTokenSource(Timeout, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await ListAsync(server, linked.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or InvalidOperationException
                                   || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Listing the tools of MCP server {Server} failed: {Error}", server.Name, ex.Message);
            return AdminResult<List<McpToolInfo>>.Invalid(new Problems().Add("tools",
                $"'{server.Name}' did not list its tools ({(ex is OperationCanceledException ? "no answer in time" : ex.Message)}); type the tool names instead."));
        }
    }

    private async Task<List<McpToolInfo>> ListAsync(McpUpstream server, CancellationToken cancellationToken)
    {
        var initialize = McpJsonRpc.Request("\"ar-tools-init\"", "initialize", json =>
        {
            json.WriteStartObject();
            json.WriteString("protocolVersion", ProtocolVersion);
            json.WriteStartObject("capabilities");
            json.WriteEndObject();
            json.WriteStartObject("clientInfo");
            json.WriteString("name", "agent-router-console");
            json.WriteString("version", "1.0.0");
            json.WriteEndObject();
            json.WriteEndObject();
        });
        string? session = null, version = ProtocolVersion;
        using (var response = await SendAsync(server, HttpMethod.Post, initialize, session, null, cancellationToken))
        using (var answer = await McpAggregator.ReadAnswerAsync(response, "\"ar-tools-init\"", cancellationToken))
        {
            if (answer is null || !answer.RootElement.TryGetProperty("result", out var result))
                throw new HttpRequestException($"initialize was not accepted (HTTP {(int)response.StatusCode})");
            session = response.Headers.TryGetValues("mcp-session-id", out var ids) ? ids.FirstOrDefault() : null;
            if (result.TryGetProperty("protocolVersion", out var v) && v.ValueKind == JsonValueKind.String)
                version = v.GetString();
        }
        using (await SendAsync(server, HttpMethod.Post, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"u8.ToArray(), session, version, cancellationToken)) { }

        var tools = new List<McpToolInfo>();
        try
        {
            string? cursor = null;
            for (var page = 0; page < 100; page++)
            {
                var id = "\"ar-tools-" + page + "\"";
                var body = McpJsonRpc.Request(id, "tools/list", json =>
                {
                    json.WriteStartObject();
                    if (cursor is not null)
                        json.WriteString("cursor", cursor);
                    json.WriteEndObject();
                });
                using var response = await SendAsync(server, HttpMethod.Post, body, session, version, cancellationToken);
                using var answer = await McpAggregator.ReadAnswerAsync(response, id, cancellationToken);
                if (answer is null || !answer.RootElement.TryGetProperty("result", out var result) || !result.TryGetProperty("tools", out var list)
                    || list.ValueKind != JsonValueKind.Array)
                    throw new HttpRequestException($"tools/list gave no tool list (HTTP {(int)response.StatusCode})");
                foreach (var tool in list.EnumerateArray())
                    if (tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                        tools.Add(new McpToolInfo(name.GetString()!,
                            tool.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null));
                cursor = result.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
                if (cursor is null)
                    break;
            }
        }
        finally
        {
            if (session is not null)
                try
                {
                    using (await SendAsync(server, HttpMethod.Delete, null, session, version, CancellationToken.None)) { }
                }
                catch (HttpRequestException)
                {
                    // Ending the session is a courtesy; the server expires it anyway.
                }
        }
        return tools.DistinctBy(t => t.Name, StringComparer.Ordinal).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    private async Task<HttpResponseMessage> SendAsync(McpUpstream server, HttpMethod method, byte[]? body, string? session, string? version, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, server.Url);
        if (body is not null)
            request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (session is not null)
            request.Headers.TryAddWithoutValidation("mcp-session-id", session);
        if (version is not null && session is not null)
            request.Headers.TryAddWithoutValidation("mcp-protocol-version", version);
        server.AddCredential(request.Headers);
        return await upstream.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }
}
