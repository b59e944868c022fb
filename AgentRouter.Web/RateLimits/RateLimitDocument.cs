using AgentRouter.Web.Admin;

namespace AgentRouter.Web.RateLimits;

/// <summary>A rate limit in the profile document: <c>scope</c> key|developer|team and at least one of
/// <c>requestsPerMinute</c>, <c>tokensPerMinute</c>, <c>concurrent</c>.</summary>
public sealed record ProfileLimit(string? Scope, int? RequestsPerMinute = null, long? TokensPerMinute = null, int? Concurrent = null);

/// <summary>The <c>limits</c> section of a profile: reading it strictly, and writing it back.</summary>
public static class RateLimitDocument
{
    public static List<RateLimit> Parse(List<ProfileLimit> limits, Problems problems)
    {
        var parsed = new List<RateLimit>();
        for (var i = 0; i < limits.Count; i++)
        {
            var (l, at) = (limits[i], $"limits[{i}]");
            RateLimitScope? scope = l.Scope switch
            {
                "key" => RateLimitScope.Key,
                "developer" => RateLimitScope.Developer,
                "team" => RateLimitScope.Team,
                _ => null,
            };
            problems.Require(scope is not null, $"{at}.scope", "Must be key, developer or team.");
            problems.Require(l.RequestsPerMinute is not null || l.TokensPerMinute is not null || l.Concurrent is not null, $"{at}.requestsPerMinute",
                "A limit sets requestsPerMinute, tokensPerMinute, concurrent, or several of them.");
            problems.Require(l.RequestsPerMinute is null or > 0, $"{at}.requestsPerMinute", "Requests per minute must be positive.");
            problems.Require(l.TokensPerMinute is null or > 0, $"{at}.tokensPerMinute", "Tokens per minute must be positive.");
            problems.Require(l.Concurrent is null or > 0, $"{at}.concurrent", "Concurrent requests must be positive.");
            if (scope is not null && limits.Take(i).Any(other => other.Scope == l.Scope))
                problems.Add($"{at}.scope", $"There is already a {l.Scope} limit; put all of its numbers in one entry.");
            parsed.Add(new RateLimit { Scope = scope ?? default, RequestsPerMinute = l.RequestsPerMinute, TokensPerMinute = l.TokensPerMinute, Concurrent = l.Concurrent });
        }
        return parsed;
    }

    public static List<ProfileLimit> Of(IEnumerable<RateLimit> limits) => limits.OrderBy(l => l.Scope)
        .Select(l => new ProfileLimit(Wire(l.Scope), l.RequestsPerMinute, l.TokensPerMinute, l.Concurrent)).ToList();

    public static string Wire(RateLimitScope scope) => scope.ToString().ToLowerInvariant();
}
