using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentRouter.Web.Mcp;

/// <summary>JSON-RPC plumbing shared by the per-server proxy and the aggregated endpoint.</summary>
internal static class McpJsonRpc
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;

    /// <summary>Router refusals that are not about a JSON-RPC message (authentication, authorization, routing).</summary>
    public const int RouterRefusal = -32001;

    public static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Duplicate keys are refused: a server reading the last <c>name</c> while the router read the first
    /// would call a tool the router never authorized.</summary>
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 128 };

    /// <summary>Writes a JSON-RPC error answer; <paramref name="id"/> is the request's id (raw JSON) or null.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string? id, int code, string message)
    {
        if (context.Response.HasStarted)
            return;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = null;
        await context.Response.Body.WriteAsync(Error(id, code, message));
    }

    public static byte[] Error(string? id, int code, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WritePropertyName("id");
            if (id is null)
                json.WriteNullValue();
            else
                json.WriteRawValue(id);
            json.WriteStartObject("error");
            json.WriteNumber("code", code);
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Result(string id, Action<Utf8JsonWriter> writeResult)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WritePropertyName("id");
            json.WriteRawValue(id);
            json.WritePropertyName("result");
            writeResult(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Request(string id, string method, Action<Utf8JsonWriter> writeParams)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            json.WriteString("jsonrpc", "2.0");
            json.WritePropertyName("id");
            json.WriteRawValue(id);
            json.WriteString("method", method);
            json.WritePropertyName("params");
            writeParams(json);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>method</c> of a request or notification, or null (a response, or not an object).</summary>
    public static string? Method(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String
            ? method.GetString() : null;

    /// <summary>The raw JSON of a message's id, or null for notifications.</summary>
    public static string? Id(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("id", out var id) && id.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? id.GetRawText() : null;

    /// <summary>The <c>params.name</c> of a <c>tools/call</c>.</summary>
    public static string? ToolName(JsonElement message) =>
        message.TryGetProperty("params", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
            ? name.GetString() : null;

    /// <summary>Whether <paramref name="message"/> is the answer (result or error) to the request with id <paramref name="id"/>.</summary>
    public static bool IsAnswerTo(JsonElement message, string id) =>
        message.ValueKind == JsonValueKind.Object && Id(message) is { } found && SameId(found, id)
        && (message.TryGetProperty("result", out _) || message.TryGetProperty("error", out _));

    /// <summary>Whether a message is a result carrying a <c>tools</c> array, i.e. a <c>tools/list</c> answer.</summary>
    public static bool IsToolList(JsonElement message) =>
        message.ValueKind == JsonValueKind.Object && message.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
        && result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array;

    private static bool SameId(string a, string b)
    {
        if (a == b)
            return true;
        // 7 and 7.0 are the same number; a server may re-serialize it.
        return decimal.TryParse(a, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x)
            && decimal.TryParse(b, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var y) && x == y;
    }

    /// <summary>Rewrites a <c>tools/list</c> answer: keeps the tools <paramref name="keep"/> accepts, renamed by it, and every
    /// other field as it was.</summary>
    public static byte[] RewriteToolList(JsonElement answer, Func<string, string?> keep)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer, Writer))
        {
            json.WriteStartObject();
            foreach (var property in answer.EnumerateObject())
            {
                if (property.NameEquals("result") && property.Value.ValueKind == JsonValueKind.Object)
                {
                    json.WriteStartObject("result");
                    foreach (var field in property.Value.EnumerateObject())
                    {
                        if (field.NameEquals("tools") && field.Value.ValueKind == JsonValueKind.Array)
                        {
                            json.WriteStartArray("tools");
                            WriteTools(json, field.Value, keep);
                            json.WriteEndArray();
                        }
                        else
                        {
                            field.WriteTo(json);
                        }
                    }
                    json.WriteEndObject();
                }
                else
                {
                    property.WriteTo(json);
                }
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the tools of a <c>tools</c> array that <paramref name="keep"/> accepts, under the name it returns.</summary>
    public static void WriteTools(Utf8JsonWriter json, JsonElement tools, Func<string, string?> keep)
    {
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || keep(name.GetString()!) is not { } exposed)
                continue;
            json.WriteStartObject();
            json.WriteString("name", exposed);
            foreach (var field in tool.EnumerateObject())
                if (!field.NameEquals("name"))
                    field.WriteTo(json);
            json.WriteEndObject();
        }
    }

    /// <summary>How a <c>tools/call</c> answer ended: outcome and, for failures, a short reason.</summary>
    public static (string Outcome, string? Error) CallOutcome(JsonElement answer)
    {
        if (answer.TryGetProperty("error", out var error))
        {
            var code = error.TryGetProperty("code", out var c) ? c.GetRawText() : "?";
            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (McpCallOutcome.Error, Truncate($"{code}: {message}", 500));
        }
        return answer.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Object
            && result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True
            ? (McpCallOutcome.ToolError, null)
            : (McpCallOutcome.Ok, null);
    }

    public static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
