using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Gateway;

public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Largest request body accepted (Anthropic's own limit is 32 MB).</summary>
    public long MaxRequestBodyBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Longest silence tolerated from an upstream, mid-answer included (long thinking pauses are normal).</summary>
    public TimeSpan UpstreamIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public TimeSpan UpstreamConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Pause between the sandbox provider's streamed events, so a demo looks like a real stream.</summary>
    public TimeSpan SandboxEventDelay { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>How often each replica compares the store's policy stamp with its snapshot's: the safety net for a
    /// change notification that was lost (notifications themselves arrive within milliseconds).</summary>
    public TimeSpan PolicyCheckInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class ValidateGatewayOptions : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        List<string> problems = [];
        if (options.MaxRequestBodyBytes is < 1024 or > int.MaxValue - 1)
            problems.Add($"Gateway:MaxRequestBodyBytes must be between 1024 and {int.MaxValue - 1}.");
        if (options.UpstreamIdleTimeout <= TimeSpan.Zero)
            problems.Add("Gateway:UpstreamIdleTimeout must be positive.");
        if (options.UpstreamConnectTimeout <= TimeSpan.Zero)
            problems.Add("Gateway:UpstreamConnectTimeout must be positive.");
        if (options.PolicyCheckInterval < TimeSpan.FromMilliseconds(100))
            problems.Add("Gateway:PolicyCheckInterval must be at least 100 ms.");
        if (options.SandboxEventDelay < TimeSpan.Zero)
            problems.Add("Gateway:SandboxEventDelay must not be negative.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
