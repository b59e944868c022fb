using System.Net;
using Microsoft.Extensions.Options;

namespace AgentRouter.Web.Telemetry;

public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Off: no OpenTelemetry at all (no spans, no metrics, no <c>/metrics</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether spans are recorded; by default only when an OTLP endpoint is configured to send them to.</summary>
    public bool? Traces { get; set; }
}

public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>A second port serving <c>/metrics</c> without authentication, for a scraper on a private network.</summary>
    public int? Port { get; set; }

    /// <summary>The address that port listens on: <c>*</c> (every interface) or an IP address.</summary>
    public string Address { get; set; } = "*";
}

internal sealed class ValidateMetricsOptions : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        List<string> problems = [];
        if (options.Port is < 0 or > 65535)
            problems.Add("Metrics:Port must be a TCP port (0-65535; 0 picks a free one).");
        if (options.Address != "*" && !IPAddress.TryParse(options.Address, out _))
            problems.Add("Metrics:Address must be * or an IP address.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
