namespace AgentRouter.Web.RateLimits;

/// <summary>One editable row of the team page's rate-limit panel: a scope and its three optional numbers.</summary>
public sealed class RateLimitRow(string scope, string label)
{
    public string Scope { get; } = scope;
    public string Label { get; } = label;
    public int? RequestsPerMinute { get; set; }
    public long? TokensPerMinute { get; set; }
    public int? Concurrent { get; set; }

    public bool IsSet => RequestsPerMinute is not null || TokensPerMinute is not null || Concurrent is not null;
}

/// <summary>The panel's model: one row per scope, read from and written to the profile's <c>limits</c> section.
/// An empty row means no limit at that scope.</summary>
public static class RateLimitForm
{
    public static List<RateLimitRow> Rows(IEnumerable<ProfileLimit> limits)
    {
        List<RateLimitRow> rows = [new("key", "Each key"), new("developer", "Each developer"), new("team", "Whole team")];
        foreach (var limit in limits)
        {
            if (rows.FirstOrDefault(r => r.Scope == limit.Scope) is not { } row)
                continue;
            (row.RequestsPerMinute, row.TokensPerMinute, row.Concurrent) = (limit.RequestsPerMinute, limit.TokensPerMinute, limit.Concurrent);
        }
        return rows;
    }

    public static List<ProfileLimit> Limits(IEnumerable<RateLimitRow> rows) =>
        rows.Where(r => r.IsSet).Select(r => new ProfileLimit(r.Scope, r.RequestsPerMinute, r.TokensPerMinute, r.Concurrent)).ToList();
}
