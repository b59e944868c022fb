using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Alerts;

/// <summary>Delivery of budget alerts. Bound from <c>Alerts</c>.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Tries per delivery before it is marked failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>Wait after the first failure; doubled after each further one (30 s, 1 min, 2 min, 4 min, 8 min).</summary>
    public TimeSpan FirstRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two tries.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a receiver may take to answer.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The console's public address, for links in Slack and webhook messages (optional).</summary>
    public string? ConsoleUrl { get; set; }
}

internal sealed class ValidateAlertOptions : IValidateOptions<AlertOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertOptions options)
    {
        List<string> problems = [];
        if (options.MaxAttempts is < 1 or > 50)
            problems.Add("Alerts:MaxAttempts must be between 1 and 50.");
        if (options.FirstRetryAfter <= TimeSpan.Zero || options.MaxRetryAfter < options.FirstRetryAfter)
            problems.Add("Alerts:FirstRetryAfter must be positive and no longer than Alerts:MaxRetryAfter.");
        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(2))
            problems.Add("Alerts:Timeout must be between 0 and 2 minutes.");
        if (options.ConsoleUrl is { } url && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            problems.Add("Alerts:ConsoleUrl must be an absolute http(s) URL.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
