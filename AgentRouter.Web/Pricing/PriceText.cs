using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRouter.Web.Pricing;

/// <summary>The one way a price is typed and shown: digits, optionally a dot and up to six decimals (<c>3.10</c>).
/// Anything a culture could read two ways (<c>3,1</c> is 3.1 in Germany and 31 in the US) is refused, not guessed.</summary>
public static partial class PriceText
{
    [GeneratedRegex(@"^[0-9]{1,6}(\.[0-9]{1,6})?$", RegexOptions.CultureInvariant)]
    private static partial Regex Plain();

    [GeneratedRegex(@"^[0-9]{1,12}$", RegexOptions.CultureInvariant)]
    private static partial Regex Whole();

    /// <summary>Reads a price; an empty text is <paramref name="value"/> null and valid unless <paramref name="required"/>.</summary>
    /// <returns>Null when valid, else the message to show.</returns>
    public static string? TryParse(string? text, bool required, out decimal? value)
    {
        value = null;
        text = text?.Trim() ?? "";
        if (text.Length == 0)
            return required ? "A price is required, e.g. 3.10." : null;
        if (text.StartsWith('-'))
            return "A price cannot be negative.";
        if (text.Contains(','))
            return "Use a dot for decimals and no thousands separators, e.g. 3.10 (not 3,10).";
        if (!Plain().IsMatch(text))
            return "Enter a price like 3.10: digits, optionally a dot and up to 6 decimals.";
        value = decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>Validation for a form field: the message, or null.</summary>
    public static string? Check(string? text, bool required) => TryParse(text, required, out _);

    /// <summary>Reads a whole number of tokens (no separators); empty is null.</summary>
    public static string? TryParseTokens(string? text, bool required, out long? value)
    {
        value = null;
        text = text?.Trim() ?? "";
        if (text.Length == 0)
            return required ? "A number of tokens is required, e.g. 200000." : null;
        if (text.StartsWith('-'))
            return "A number of tokens cannot be negative.";
        if (!Whole().IsMatch(text) || long.Parse(text, CultureInfo.InvariantCulture) == 0)
            return "Enter a whole number of tokens without separators, e.g. 200000.";
        value = long.Parse(text, CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>How the console shows a price in a field: invariant, no trailing zeros beyond two decimals.</summary>
    public static string Format(decimal? value) => value?.ToString("0.00####", CultureInfo.InvariantCulture) ?? "";

    /// <summary>A price as shown in tables: dollars, invariant, at least two decimals.</summary>
    public static string Usd(decimal value) => "$" + value.ToString("#,0.00####", CultureInfo.InvariantCulture);
}
