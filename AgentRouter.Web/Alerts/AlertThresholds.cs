using AgentRouter.Web.Admin;

namespace AgentRouter.Web.Alerts;

/// <summary>A budget's <c>alertAt</c>: whole percentages of its limit, e.g. <c>[50, 80, 100]</c>.</summary>
public static class AlertThresholds
{
    /// <summary>Above 100 is allowed: warn-mode budgets can pass their limit.</summary>
    public const int Max = 1000;

    public static List<int>? Parse(List<int>? alertAt, string field, Problems problems)
    {
        if (alertAt is null)
            return null;
        problems.Require(alertAt.Count <= 10, field, "At most 10 thresholds.");
        for (var i = 0; i < alertAt.Count; i++)
        {
            if (alertAt[i] is < 1 or > Max)
                problems.Add($"{field}[{i}]", $"A threshold is a percentage of the limit between 1 and {Max}.");
            else if (alertAt.Take(i).Contains(alertAt[i]))
                problems.Add($"{field}[{i}]", $"{alertAt[i]} % is listed twice.");
        }
        return alertAt.Count == 0 ? null : alertAt.Order().ToList();
    }
}
