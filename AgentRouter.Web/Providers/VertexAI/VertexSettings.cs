using System.Text.Json;
using AgentRouter.Web.Admin;
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
    [JsonIgnore]
    public string DefaultHost => Location == Global ? "https://aiplatform.googleapis.com" : $"https://{Location}-aiplatform.googleapis.com";

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Reads and normalises settings (trimmed, lower-case location, betas de-duplicated; the betas as a JSON
    /// list or, as the console sends them, one comma-separated string), adding what is wrong to
    /// <paramref name="problems"/> by field; null when anything is.</summary>
    public static VertexSettings? Parse(JsonElement? settings, Problems problems)
    {
        if (settings is not { ValueKind: JsonValueKind.Object })
        {
            problems.Add("settings", "Vertex AI needs settings: {\"projectId\": \"…\", \"location\": \"us-east5\" or \"global\"}.");
            return null;
        }
        var projectId = ProviderSettings.String(settings, "projectId");
        var location = ProviderSettings.String(settings, "location")?.ToLowerInvariant();
        var valid = true;
        if (projectId is null || !ProjectIdPattern().IsMatch(projectId))
            valid = Fail(problems, "settings.projectId", "Project id is required: the Google Cloud project id (e.g. my-project-123) or number.");
        if (location is null || location != Global && !RegionPattern().IsMatch(location))
            valid = Fail(problems, "settings.location", "Location is required: a Google Cloud region such as us-east5 or europe-west1, or global.");

        List<string>? betas = null;
        if (settings.Value.TryGetProperty("acceptedBetas", out var given) && given.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            var list = ProviderSettings.List(settings, "acceptedBetas");
            var wellFormed = given.ValueKind == JsonValueKind.String
                || given.ValueKind == JsonValueKind.Array && given.EnumerateArray().All(b => b.ValueKind == JsonValueKind.String);
            if (!wellFormed || list.Any(b => !BetaPattern().IsMatch(b)))
                valid = Fail(problems, "settings.acceptedBetas", "Accepted betas must be anthropic-beta flag names, e.g. [\"context-1m-2025-08-07\"] (or one comma-separated string).");
            else if (list.Count > 0)
                betas = [.. list.Distinct(StringComparer.Ordinal)];
        }
        return valid ? new VertexSettings(projectId!, location!, betas) : null;
    }

    private static bool Fail(Problems problems, string field, string message)
    {
        problems.Add(field, message);
        return false;
    }

    /// <summary>Settings as stored (written by <see cref="ToJson"/>).</summary>
    public static VertexSettings FromJson(string json) =>
        JsonSerializer.Deserialize<VertexSettings>(json, Options) ?? throw new JsonException("Vertex AI settings are empty.");

    // Project ids (6-30 characters), legacy domain-scoped ids (example.com:my-project), or project numbers.
    [GeneratedRegex("^(?:(?:[a-z0-9-]+\\.)+[a-z]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[0-9]{1,20}$")]
    private static partial Regex ProjectIdPattern();

    [GeneratedRegex("^[a-z]+(?:-[a-z]+)+[0-9]+$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{0,99}$")]
    private static partial Regex BetaPattern();
}
