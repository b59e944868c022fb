using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRouter.Web.Translation;

/// <summary>Strict reads of a request's JSON: a member of the wrong type is refused by name, never guessed at.</summary>
internal static class Json
{
    /// <summary>Writes non-ASCII text as UTF-8, as the providers themselves do.</summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Text(JsonNode node) => node.ToJsonString(Options);

    public static string? String(JsonNode? node, string name) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new NotTranslatableException($"\"{name}\" must be a string."),
    };

    public static string RequiredString(JsonNode? node, string name) =>
        String(node, name) ?? throw new NotTranslatableException($"\"{name}\" is required.");

    public static double? Number(JsonNode? node, string name) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>(),
        _ => throw new NotTranslatableException($"\"{name}\" must be a number."),
    };

    public static long? Integer(JsonNode? node, string name)
    {
        if (node is null)
            return null;
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number))
            return number;
        throw new NotTranslatableException($"\"{name}\" must be a whole number.");
    }

    public static bool? Bool(JsonNode? node, string name) => node switch
    {
        null => null,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        _ => throw new NotTranslatableException($"\"{name}\" must be true or false."),
    };

    public static JsonObject? Object(JsonNode? node, string name) => node switch
    {
        null => null,
        JsonObject obj => obj,
        _ => throw new NotTranslatableException($"\"{name}\" must be an object."),
    };

    public static JsonArray? Array(JsonNode? node, string name) => node switch
    {
        null => null,
        JsonArray array => array,
        _ => throw new NotTranslatableException($"\"{name}\" must be an array."),
    };

    /// <summary>The objects of an array member, refusing anything else in it.</summary>
    public static IEnumerable<JsonObject> Objects(JsonNode? node, string name) =>
        (Array(node, name) ?? []).Select(item => item as JsonObject ?? throw new NotTranslatableException($"Every item of \"{name}\" must be an object."));

    /// <summary>Refuses any member not in <paramref name="known"/>: what the gateway cannot carry to the target is named,
    /// not dropped. Members in <paramref name="ignorable"/> are hints with no effect on the answer at another provider.</summary>
    public static void OnlyKnown(JsonObject obj, string where, string target, HashSet<string> known)
    {
        foreach (var (name, value) in obj)
        {
            if (!known.Contains(name) && value is not null)
                throw new NotTranslatableException($"{where}\"{name}\" has no equivalent at {target}, so a request using it cannot be translated.");
        }
    }

    /// <summary>JSON text for a tool call's arguments from a parsed value (an object; anything else is wrapped).</summary>
    public static string ArgumentsText(JsonNode? arguments) => arguments is null ? "{}" : Text(arguments);

    /// <summary>Parses tool-call arguments JSON text into an object, as Anthropic and Gemini take them.</summary>
    public static JsonObject ArgumentsObject(string arguments, string tool)
    {
        if (string.IsNullOrWhiteSpace(arguments))
            return [];
        try
        {
            return JsonNode.Parse(arguments) as JsonObject
                ?? throw new NotTranslatableException($"The arguments of the call to tool '{tool}' are not a JSON object.");
        }
        catch (JsonException)
        {
            throw new NotTranslatableException($"The arguments of the call to tool '{tool}' are not valid JSON.");
        }
    }

    /// <summary>Splits a data URL (<c>data:image/png;base64,…</c>) into its media type and base64 data.</summary>
    public static bool TryParseDataUrl(string url, out string mediaType, out string data)
    {
        (mediaType, data) = ("", "");
        if (!url.StartsWith("data:", StringComparison.Ordinal))
            return false;
        var comma = url.IndexOf(',');
        var meta = comma < 0 ? "" : url[5..comma];
        if (comma < 0 || !meta.EndsWith(";base64", StringComparison.Ordinal))
            return false;
        (mediaType, data) = (meta[..^";base64".Length], url[(comma + 1)..]);
        return true;
    }

    public static string DataUrl(string mediaType, string data) => $"data:{mediaType};base64,{data}";

    /// <summary>A media type from a URL's file extension, for targets that need one with a URL.</summary>
    public static string? MediaTypeOfUrl(string url)
    {
        var path = url.Split('?', '#')[0].ToLowerInvariant();
        return Path.GetExtension(path) switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".gif" => "image/gif",
            ".webp" => "image/webp",
            ".pdf" => "application/pdf",
            _ => null,
        };
    }

    /// <summary>Text of tool-result or message parts, for targets that take text only there.</summary>
    public static string JoinText(IEnumerable<Part> parts) => string.Concat(parts.OfType<TextPart>().Select(p => p.Text));

    public static string NewId(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];
}
