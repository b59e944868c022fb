using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Console;

/// <summary>The one decimal format the console accepts: digits with an optional '.' and decimals (<c>3</c>, <c>3.10</c>,
/// <c>0.3</c>). A comma, a thousands separator, a sign, an exponent or a space is refused with a message, never guessed:
/// "3,1" is not read as 31 (or as 3.1).</summary>
public static partial class StrictDecimal
{
    [GeneratedRegex(@"^[0-9]{1,9}(\.[0-9]{1,6})?$")]
    private static partial Regex Pattern();

    /// <summary>Null when <paramref name="text"/> is acceptable (or empty and not required), else the message to show.</summary>
    public static string? Check(string? text, bool required = false, decimal min = 0, decimal? max = null) =>
        TryParse(text, out _, out var error, required, min, max) ? null : error;

    public static bool TryParse(string? text, out decimal? value, out string? error, bool required = false, decimal min = 0, decimal? max = null)
    {
        value = null;
        error = null;
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            error = required ? "A value is required." : null;
            return !required;
        }
        if (trimmed.StartsWith('-'))
            error = "Negative amounts are not accepted.";
        else if (trimmed.Contains(','))
            error = "Use a point for decimals and no thousands separator, e.g. 3.10.";
        else if (!Pattern().IsMatch(trimmed))
            error = "Enter a number such as 3 or 3.10 (digits, at most one point, up to 6 decimals).";
        else
        {
            var parsed = decimal.Parse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            if (parsed < min)
                error = $"At least {min.ToString(CultureInfo.InvariantCulture)}.";
            else if (max is { } upper && parsed > upper)
                error = $"At most {upper.ToString(CultureInfo.InvariantCulture)}.";
            else
            {
                value = parsed;
                return true;
            }
        }
        return false;
    }

    /// <summary>How a value is written back into a field: invariant, no trailing zeros beyond what was stored.</summary>
    public static string Format(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
