using System.Text.Json;
using AgentRouter.Web.Admin;

namespace AgentRouter.Web.Providers;

/// <summary>The credential of the kinds authenticated by one API key: a string, or (as the console sends it) an
/// object with an <c>apiKey</c> member. Such kinds take no settings.</summary>
public static class ApiKeyCredential
{
    public const string Field = "apiKey";

    public static readonly ProviderField[] Fields = [new(Field, "API key", Secret: true, Required: true)];

    public static ProviderConfiguration Configure(JsonElement? settings, JsonElement? credential, Problems problems)
    {
        ProviderSettings.RequireNone(settings, problems);
        return new(null, Read(credential, problems));
    }

    /// <summary>The key, trimmed; null (with a problem) when the credential is not a non-empty string.</summary>
    public static string? Read(JsonElement? credential, Problems problems)
    {
        if (credential is not { } given)
            return null;
        var value = given.ValueKind switch
        {
            JsonValueKind.String => given.GetString(),
            JsonValueKind.Object when given.TryGetProperty(Field, out var key) && key.ValueKind == JsonValueKind.String => key.GetString(),
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > 4096)
        {
            problems.Add("credential", "The credential must be the API key, as a non-empty string.");
            return null;
        }
        return value.Trim();
    }
}

/// <summary>Reading a kind's non-secret <c>settings</c> object.</summary>
public static class ProviderSettings
{
    /// <summary>For kinds without settings: absent, null or an empty object.</summary>
    public static void RequireNone(JsonElement? settings, Problems problems)
    {
        if (settings is { ValueKind: not JsonValueKind.Null } given && (given.ValueKind != JsonValueKind.Object || given.EnumerateObject().Any()))
            problems.Add("settings", "This provider kind takes no settings.");
    }

    /// <summary>A string setting, trimmed; null when absent or empty.</summary>
    public static string? String(JsonElement? settings, string name) =>
        settings is { ValueKind: JsonValueKind.Object } given && given.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(value.GetString()) ? value.GetString()!.Trim() : null;

    /// <summary>A list setting: a JSON array of strings, or (as the console sends it) one comma-separated string.</summary>
    public static IReadOnlyList<string> List(JsonElement? settings, string name)
    {
        if (settings is not { ValueKind: JsonValueKind.Object } given || !given.TryGetProperty(name, out var value))
            return [];
        return value.ValueKind switch
        {
            JsonValueKind.Array => [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!.Trim()).Where(v => v.Length > 0)],
            JsonValueKind.String => [.. value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)],
            _ => [],
        };
    }
}
