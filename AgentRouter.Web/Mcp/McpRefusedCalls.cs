using System.Text;
using System.Text.Json;
using AgentRouter.Web.Gateway;

namespace AgentRouter.Web.Mcp;

/// <summary>Every <c>tools/call</c> a request carried is recorded as <c>refused</c> when the router refuses the request
/// as a whole (a server the team is not granted, a body that is not strict JSON — duplicate or escaped-duplicate keys —,
/// a JSON-RPC batch), so that no refused attempt goes unseen.</summary>
internal static class McpRefusedCalls
{
    /// <summary>The tool names of the <c>tools/call</c> messages in a body, read leniently (duplicate keys allowed, every
    /// copy considered); one empty name for a body that cannot be read at all but mentions <c>tools/call</c>; none otherwise.</summary>
    public static List<string> ToolCalls(ReadOnlyMemory<byte> body)
    {
        List<string> calls = [];
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { AllowDuplicateProperties = true, MaxDepth = 128 });
            var root = document.RootElement;
            IEnumerable<JsonElement> messages = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray() : [root];
            foreach (var message in messages)
            {
                // With duplicate keys any copy may be the one a server reads: a message is a call if any "method" says
                // so, and every "name" it gives is recorded.
                if (message.ValueKind != JsonValueKind.Object || !Values(message, "method").Contains("tools/call"))
                    continue;
                var names = message.EnumerateObject().Where(p => p.NameEquals("params") && p.Value.ValueKind == JsonValueKind.Object)
                    .SelectMany(p => Values(p.Value, "name")).Distinct().ToList();
                calls.Add(string.Join("|", names));
            }
        }
        catch (JsonException)
        {
            var text = Encoding.UTF8.GetString(body.Span);
            if (text.Contains("tools/call", StringComparison.Ordinal) || text.Contains("tools\\/call", StringComparison.Ordinal)
                || text.Contains("\\u", StringComparison.OrdinalIgnoreCase) && text.Contains("call", StringComparison.OrdinalIgnoreCase))
                calls.Add("");
        }
        return calls;
    }

    private static IEnumerable<string> Values(JsonElement message, string name) =>
        message.EnumerateObject().Where(p => p.NameEquals(name) && p.Value.ValueKind == JsonValueKind.String).Select(p => p.Value.GetString()!);

    /// <summary>Records one refused call per <c>tools/call</c> in <paramref name="body"/>.</summary>
    public static async Task RecordAsync(
        McpCallRecorder recorder, HttpContext context, KeyGrant grant, string requestId, McpUpstream? server, string serverName,
        ReadOnlyMemory<byte> body, int status, string reason, TimeProvider clock, long started)
    {
        foreach (var tool in ToolCalls(body))
        {
            var call = McpGatewayShared.NewCall(context, grant, requestId, server, tool, clock);
            if (server is null)
                call.Server = McpJsonRpc.Truncate(serverName, 64);
            call.Outcome = McpCallOutcome.Refused;
            call.Error = McpJsonRpc.Truncate(reason, 500);
            call.Status = status;
            call.LatencyMs = (int)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            await recorder.RecordAsync(call);
        }
    }
}
