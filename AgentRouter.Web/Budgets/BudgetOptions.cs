using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Budgets;

public sealed class BudgetOptions
{
    public const string Section = "Budgets";

    /// <summary>IANA (or Windows) id of the organisation's time zone; budget windows start at its midnight.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Output tokens reserved for a request that does not say <c>max_tokens</c>.</summary>
    public int DefaultMaxTokens { get; set; } = 4096;

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);
}

internal sealed class ValidateBudgetOptions : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        List<string> problems = [];
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
            problems.Add($"Budgets:TimeZone '{options.TimeZone}' is not a known time zone (use an IANA id such as Europe/Paris).");
        if (options.DefaultMaxTokens <= 0)
            problems.Add("Budgets:DefaultMaxTokens must be positive.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
