using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Budgets;

public sealed class BudgetOptions
{
    public const string Section = "Budgets";

    /// <summary>Output tokens reserved for a request that does not say <c>max_tokens</c>.</summary>
    public int DefaultMaxTokens { get; set; } = 4096;
}

internal sealed class ValidateBudgetOptions : IValidateOptions<BudgetOptions>
{
    public ValidateOptionsResult Validate(string? name, BudgetOptions options)
    {
        List<string> problems = [];
        if (options.DefaultMaxTokens <= 0)
            problems.Add("Budgets:DefaultMaxTokens must be positive.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
