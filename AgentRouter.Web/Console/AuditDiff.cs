using System.Text.Json;

namespace AgentRouter.Web.Console;

/// <summary>One field an audited change touched. A null side means the field did not exist on that side.</summary>
public sealed record FieldChange(string Field, string? Before, string? After);

/// <summary>Turns an audit event's before/after JSON into the fields that differ, with ids shown as the names they
/// stand for where known, so the audit log reads as "slug: payments → pay" rather than two JSON blobs.</summary>
public static class AuditDiff
{
    public static List<FieldChange> Compare(string? before, string? after, Func<string, string?>? nameOf = null)
    {
        var left = Flatten(before, nameOf);
        var right = Flatten(after, nameOf);
        var changes = new List<FieldChange>();
        foreach (var (field, value) in left)
            if (!right.TryGetValue(field, out var next))
                changes.Add(new FieldChange(field, value, null));
            else if (next != value)
                changes.Add(new FieldChange(field, value, next));
        foreach (var (field, value) in right)
            if (!left.ContainsKey(field))
                changes.Add(new FieldChange(field, null, value));
        var order = left.Keys.Concat(right.Keys).Distinct().Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
        return changes.OrderBy(c => order[c.Field]).ToList();
    }

    /// <summary>Field path → display value. Arrays of objects are keyed by the element's name (or what its id names),
    /// so reordering is not a change; arrays of plain values become one comma-separated value.</summary>
    internal static Dictionary<string, string> Flatten(string? json, Func<string, string?>? nameOf)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
            return fields;
        try
        {
            using var document = JsonDocument.Parse(json);
            Walk(document.RootElement, "", fields, nameOf);
        }
        catch (JsonException)
        {
            fields["(value)"] = json;
        }
        return fields;
    }

    private static void Walk(JsonElement element, string path, Dictionary<string, string> fields, Func<string, string?>? nameOf)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var property in element.EnumerateObject())
                {
                    any = true;
                    Walk(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", fields, nameOf);
                }
                if (!any && path.Length > 0)
                    fields[path] = "(empty)";
                break;
            case JsonValueKind.Array:
                var items = element.EnumerateArray().ToList();
                if (items.All(i => i.ValueKind is not JsonValueKind.Object and not JsonValueKind.Array))
                {
                    fields[path] = items.Count == 0 ? "(none)" : string.Join(", ", items.Select(i => Value(i, nameOf)));
                    break;
                }
                var seen = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < items.Count; i++)
                {
                    var key = Key(items[i], nameOf) ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (!seen.Add(key))
                        key = $"{key}#{i}";
                    Walk(items[i], $"{path}[{key}]", fields, nameOf);
                }
                if (items.Count == 0)
                    fields[path] = "(none)";
                break;
            default:
                fields[path] = Value(element, nameOf);
                break;
        }
    }

    private static string? Key(JsonElement item, Func<string, string?>? nameOf)
    {
        if (item.ValueKind != JsonValueKind.Object)
            return null;
        if (item.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
            return name.GetString();
        foreach (var property in item.EnumerateObject())
            if (property.Name.EndsWith("Id", StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.String)
                return Value(property.Value, nameOf);
        if (item.TryGetProperty("scope", out var scope) && item.TryGetProperty("cadence", out var cadence))
            return $"{scope} {cadence}";
        return null;
    }

    private static string Value(JsonElement value, Func<string, string?>? nameOf) => value.ValueKind switch
    {
        JsonValueKind.String when value.GetString() is { } text && nameOf?.Invoke(text) is { } name => name,
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "(none)",
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        _ => value.GetRawText(),
    };
}
