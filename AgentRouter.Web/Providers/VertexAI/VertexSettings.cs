using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Providers.VertexAI;

/// <summary>A Vertex AI account's non-secret settings: the Google Cloud project and location requests go to, and
/// optionally which <c>anthropic-beta</c> flags may pass (Vertex refuses betas it does not offer).</summary>
public sealed partial record VertexSettings(
    [property: JsonPropertyName("projectId")] string ProjectId,
    [property: JsonPropertyName("location")] string Location,
    [property: JsonPropertyName("acceptedBetas"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? AcceptedBetas = null)
{
    public const string Global = "global";

    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = false };

    /// <summary>Google's API host for the location: regional, or the global endpoint.</summary>
    public string DefaultHost => Location == Global ? "https://aiplatform.googleapis.com" : $"https://{Location}-aiplatform.googleapis.com";

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads and normalises settings (trimmed, lower-case location, betas de-duplicated), adding what is wrong
    /// to <paramref name="problems"/> by field name; null when anything is.</summary>
    public static VertexSettings? Parse(JsonElement? settings, IDictionary<string, string> problems)
    {
        if (settings is not { ValueKind: JsonValueKind.Object } json)
        {
            problems["settings"] = "Vertex AI needs settings: {\"projectId\": \"…\", \"location\": \"us-east5\" or \"global\"}.";
            return null;
        }
        var projectId = Text(json, "projectId")?.Trim();
        var location = Text(json, "location")?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(projectId) || !ProjectIdPattern().IsMatch(projectId))
            problems["settings.projectId"] = "Project id is required: the Google Cloud project id (e.g. my-project-123) or number.";
        if (string.IsNullOrEmpty(location) || location != Global && !RegionPattern().IsMatch(location))
            problems["settings.location"] = "Location is required: a Google Cloud region such as us-east5 or europe-west1, or global.";

        List<string>? betas = null;
        if (json.TryGetProperty("acceptedBetas", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(b => b.ValueKind != JsonValueKind.String || !BetaPattern().IsMatch(b.GetString()!.Trim())))
                problems["settings.acceptedBetas"] = "Accepted betas must be a list of anthropic-beta flag names, e.g. [\"context-1m-2025-08-07\"].";
            else
                betas = list.EnumerateArray().Select(b => b.GetString()!.Trim()).Distinct(StringComparer.Ordinal).ToList();
        }
        return problems.Keys.Any(k => k.StartsWith("settings", StringComparison.Ordinal)) ? null : new VertexSettings(projectId!, location!, betas);
    }

    /// <summary>Settings as stored (written by <see cref="ToJson"/>).</summary>
    public static VertexSettings FromJson(string json) =>
        JsonSerializer.Deserialize<VertexSettings>(json, Options) ?? throw new JsonException("Vertex AI settings are empty.");

    private static string? Text(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // Project ids (6-30 characters), legacy domain-scoped ids (example.com:my-project), or project numbers.
    [GeneratedRegex("^(?:(?:[a-z0-9-]+\\.)+[a-z]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[0-9]{1,20}$")]
    private static partial Regex ProjectIdPattern();

    [GeneratedRegex("^[a-z]+(?:-[a-z]+)+[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,99}$")]
    private static partial Regex BetaPattern();
}
