using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRouter.Web.Alerts;

/// <summary>The body of a budget alert: what the webhook receives as JSON, and what Slack's text is written from.</summary>
public sealed record BudgetAlertMessage(
    string Type, bool Test, DateTimeOffset At, AlertTeam Team, AlertBudget Budget, string Who, int Threshold,
    long TokensUsed, decimal UsdUsed, double PercentUsed, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, string? Link)
{
    public const string ThresholdCrossed = "budget.threshold_crossed";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BudgetAlertMessage FromJson(string json) => JsonSerializer.Deserialize<BudgetAlertMessage>(json, Json)!;

    /// <summary>One line for the console, the delivery list and the audit log.</summary>
    public string Summary() =>
        $"{(Test ? "Test: " : "")}{Team.Name}: {Who} at {PercentUsed.ToString("0", CultureInfo.InvariantCulture)} % of the {Budget.Cadence} budget (alert at {Threshold} %)";

    /// <summary>Slack mrkdwn.</summary>
    public string SlackText()
    {
        var limits = new List<string>();
        if (Budget.Tokens is { } tokens)
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"{TokensUsed:N0} / {tokens:N0} tokens"));
        if (Budget.Usd is { } usd)
            limits.Add(string.Create(CultureInfo.InvariantCulture, $"${UsdUsed:0.00} / ${usd:0.00}"));
        var what = Budget.Mode == "block" ? "Requests are refused once it is used up." : "It only warns; requests are not refused.";
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{(Test ? "[Test] " : "")}:warning: *{Team.Name}* ({Who}) has used *{PercentUsed:0} %* of its {Budget.Cadence} budget: {string.Join(", ", limits)}. " +
            $"Alert threshold {Threshold} %. {what} The window resets {WindowEnd:yyyy-MM-dd HH:mm} UTC.");
        return Link is null ? text : $"{text} <{Link}|Open the team>";
    }
}

public sealed record AlertTeam(Guid Id, string Slug, string Name);

/// <summary>The budget as the profile states it (wire names: team|developer, daily|weekly|monthly, block|warn).</summary>
public sealed record AlertBudget(string Scope, string Cadence, string Mode, long? Tokens, decimal? Usd, IReadOnlyList<int> AlertAt);
