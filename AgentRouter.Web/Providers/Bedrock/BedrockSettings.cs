using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Providers.Bedrock;

/// <summary>A Bedrock account's non-secret settings: its AWS region, and optionally the Anthropic beta flags it passes
/// on (<see cref="BedrockRequests.DefaultAcceptedBetas"/> when it names none).</summary>
public sealed partial record BedrockSettings(string Region, IReadOnlyList<string>? AcceptedBetas = null)
{
    public IReadOnlyList<string> Betas => AcceptedBetas ?? BedrockRequests.DefaultAcceptedBetas;

    /// <summary>The stored (and admin API) form: <c>{"region":"…","acceptedBetas":[…]?}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(AcceptedBetas is null
        ? new Dictionary<string, object> { ["region"] = Region }
        : new Dictionary<string, object> { ["region"] = Region, ["acceptedBetas"] = AcceptedBetas });

    /// <summary>Reads and normalises settings as the admin API sends them; null with the problems when they are not.</summary>
    public static BedrockSettings? Parse(JsonElement? settings, out List<(string Field, string Message)> problems)
    {
        problems = [];
        if (settings is not { ValueKind: JsonValueKind.Object } value)
        {
            problems.Add(("settings", "A Bedrock account needs settings: {\"region\":\"us-east-1\"}."));
            return null;
        }
        string? region = null;
        List<string>? betas = null;
        foreach (var property in value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "region" when property.Value.ValueKind == JsonValueKind.String:
                    region = property.Value.GetString()!.Trim().ToLowerInvariant();
                    break;
                case "acceptedBetas" when property.Value.ValueKind == JsonValueKind.Array
                                          && property.Value.EnumerateArray().All(b => b.ValueKind == JsonValueKind.String):
                    betas = property.Value.EnumerateArray().Select(b => b.GetString()!.Trim()).Where(b => b.Length > 0).Distinct(StringComparer.Ordinal).ToList();
                    break;
                case "acceptedBetas" when property.Value.ValueKind == JsonValueKind.String:
                    // As the console sends a list: one comma-separated string; empty for the default list.
                    betas = property.Value.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
                    betas = betas.Count == 0 ? null : betas;
                    break;
                case "acceptedBetas" when property.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "region" or "acceptedBetas":
                    problems.Add(("settings." + property.Name, property.Name == "region" ? "region must be a string." : "acceptedBetas must be an array of strings (or one comma-separated string)."));
                    break;
                default:
                    problems.Add(("settings." + property.Name, $"Unknown Bedrock setting \"{property.Name}\": the settings are region and acceptedBetas."));
                    break;
            }
        }
        if (region is null || !RegionPattern().IsMatch(region))
            problems.Add(("settings.region", "region must be an AWS region code such as us-east-1 or eu-central-1."));
        if (betas?.FirstOrDefault(b => !BetaPattern().IsMatch(b)) is { } bad)
            problems.Add(("settings.acceptedBetas", $"'{bad}' is not an Anthropic beta flag (lower-case letters, digits and dashes)."));
        return problems.Count == 0 ? new BedrockSettings(region!, betas) : null;
    }

    /// <summary>Reads the stored form back (written by <see cref="ToJson"/>).</summary>
    public static BedrockSettings? FromStored(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
            return null;
        try
        {
            using var document = JsonDocument.Parse(stored);
            return Parse(document.RootElement, out _);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,99}$")]
    private static partial Regex BetaPattern();
}
