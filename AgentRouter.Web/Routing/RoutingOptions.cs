using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Routing;

/// <summary>How a model with several targets fails over, and when a target is rested.</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    /// <summary>The most upstream requests one gateway request may make (the first attempt included).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>The share of failed attempts, over <see cref="SamplingDuration"/>, that opens a target's breaker.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Attempts a target must have had within <see cref="SamplingDuration"/> before its failure ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 4;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open breaker rests its target before one trial request is let through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class ValidateRoutingOptions : IValidateOptions<RoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        List<string> problems = [];
        if (options.MaxAttempts is < 1 or > 10)
            problems.Add("Routing:MaxAttempts must be between 1 and 10.");
        if (options.FailureRatio is <= 0 or > 1 || double.IsNaN(options.FailureRatio))
            problems.Add("Routing:FailureRatio must be more than 0 and at most 1.");
        if (options.MinimumThroughput < 2)
            problems.Add("Routing:MinimumThroughput must be at least 2.");
        // Polly's own lower bounds for a circuit breaker.
        if (options.SamplingDuration < TimeSpan.FromMilliseconds(500))
            problems.Add("Routing:SamplingDuration must be at least 500 ms.");
        if (options.BreakDuration < TimeSpan.FromMilliseconds(500))
            problems.Add("Routing:BreakDuration must be at least 500 ms.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
