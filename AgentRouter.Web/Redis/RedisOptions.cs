using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRouter.Web.Redis;

/// <summary>What budget admission does when Redis cannot be reached.</summary>
public enum RedisFailureMode
{
    /// <summary>Refuse budgeted requests with a 503 that says why (the default: a budget is never bypassed).</summary>
    Closed,

    /// <summary>Admit against this process's own in-memory ledger, and add what it counted to Redis when it returns.</summary>
    Open,
}

/// <summary>Shared state for several replicas (<c>Redis</c> section). Without <see cref="Connection"/> everything stays
/// in process, which is right for one replica.</summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c> or
    /// <c>redis:6379,password=…,ssl=true</c>. Set: budgets, MCP sessions and policy notifications go through Redis.</summary>
    public string? Connection { get; set; }

    /// <summary>Prefix of every key and channel, so several installations (or test runs) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "agentrouter:";

    /// <summary>Budget admission when Redis is unreachable: <c>Closed</c> (default) or <c>Open</c>.</summary>
    public RedisFailureMode BudgetFailure { get; set; } = RedisFailureMode.Closed;

    /// <summary>How long one Redis command may take before it counts as a failure.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public bool Enabled => !string.IsNullOrWhiteSpace(Connection);
}

internal sealed class ValidateRedisOptions : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        List<string> problems = [];
        if (options.Enabled)
        {
            try
            {
                ConfigurationOptions.Parse(options.Connection!);
            }
            catch (ArgumentException ex)
            {
                problems.Add($"Redis:Connection is not a valid StackExchange.Redis configuration string: {ex.Message}");
            }
        }
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
            problems.Add("Redis:KeyPrefix must not be empty.");
        if (!Enum.IsDefined(options.BudgetFailure))
            problems.Add("Redis:BudgetFailure must be Closed or Open.");
        if (options.CommandTimeout <= TimeSpan.Zero || options.CommandTimeout > TimeSpan.FromSeconds(30))
            problems.Add("Redis:CommandTimeout must be between 0 and 30 seconds.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
